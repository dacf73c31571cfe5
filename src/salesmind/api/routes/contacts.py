"""Contacts: list, get, create, change, delete, timeline and activities, within the caller's scope."""

from __future__ import annotations

from salesmind.api.routes.records import record_router
from salesmind.api.schemas.accounts import ContactCreate, ContactPublic, ContactUpdate

router = record_router("contact", "contacts", ContactCreate, ContactUpdate, ContactPublic)
