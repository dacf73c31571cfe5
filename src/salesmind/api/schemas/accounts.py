"""Accounts (companies) and contacts (people at them)."""

from __future__ import annotations


from salesmind.api.schemas.common import (
    Amount,
    Count,
    Currency,
    Input,
    Name,
    RecordId,
    UtcTime,
    partial,
    public,
    text,
)
from salesmind.data.models import Seniority


class AccountBase(Input):
    """What describes a company."""

    name: Name
    domain: text(255) | None = None
    industry: text(120) | None = None
    employees: Count | None = None
    annual_revenue: Amount | None = None
    currency: Currency = "USD"
    region: text(64) | None = None
    country: text(64) | None = None
    is_customer: bool = False
    description: text(20_000) | None = None
    external_id: text(128, 1) | None = None
    owner_id: RecordId | None = None


class AccountCreate(AccountBase):
    """A new account; the owner defaults to the caller."""


AccountUpdate = partial(AccountBase, "AccountUpdate")


AccountPublic = public(AccountBase, "AccountPublic", "An account as the API shows it.")


class ContactBase(Input):
    """What describes a person at an account."""

    account_id: RecordId | None = None
    first_name: text(120) | None = None
    last_name: text(120) | None = None
    email: text(254) | None = None
    phone: text(64) | None = None
    title: text(200) | None = None
    seniority: Seniority = Seniority.UNKNOWN
    department: text(120) | None = None
    timezone: text(64) | None = None
    consent_email: bool = False
    consent_source: text(120) | None = None
    consent_at: UtcTime | None = None
    do_not_contact: bool = False
    external_id: text(128, 1) | None = None
    owner_id: RecordId | None = None


class ContactCreate(ContactBase):
    """A new contact; the owner defaults to the caller."""


ContactUpdate = partial(ContactBase, "ContactUpdate")


ContactPublic = public(ContactBase, "ContactPublic", "A contact as the API shows it.")
