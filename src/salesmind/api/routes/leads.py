"""Leads: list, get, create, change, delete, timeline and activities, within the caller's scope."""

from __future__ import annotations

from salesmind.api.routes.records import record_router
from salesmind.api.schemas.leads import LeadCreate, LeadPublic, LeadUpdate

router = record_router("lead", "leads", LeadCreate, LeadUpdate, LeadPublic)
