"""Leads: people who showed interest, with their form answers and conversion."""

from __future__ import annotations


from salesmind.api.schemas.common import (
    Count,
    FormAnswers,
    Input,
    RecordId,
    UtcTime,
    partial,
    public,
    text,
)
from salesmind.data.models import LeadStatus, Seniority


class LeadBase(Input):
    """What describes a lead."""

    first_name: text(120) | None = None
    last_name: text(120) | None = None
    email: text(254) | None = None
    phone: text(64) | None = None
    company: text(255) | None = None
    title: text(200) | None = None
    seniority: Seniority = Seniority.UNKNOWN
    industry: text(120) | None = None
    employees: Count | None = None
    country: text(64) | None = None
    region: text(64) | None = None
    timezone: text(64) | None = None
    source: text(120) | None = None
    status: LeadStatus = LeadStatus.NEW
    account_id: RecordId | None = None
    converted_at: UtcTime | None = None
    converted_contact_id: RecordId | None = None
    converted_opportunity_id: RecordId | None = None
    first_response_at: UtcTime | None = None
    form_answers: FormAnswers | None = None
    consent_email: bool = False
    do_not_contact: bool = False
    external_id: text(128, 1) | None = None
    owner_id: RecordId | None = None


class LeadCreate(LeadBase):
    """A new lead; the owner defaults to the caller."""


LeadUpdate = partial(LeadBase, "LeadUpdate")


LeadPublic = public(LeadBase, "LeadPublic", "A lead as the API shows it.")
