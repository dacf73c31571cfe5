"""Activities (events in a buyer's journey), timelines, and bulk ingest reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from salesmind.api.schemas.common import Public
from salesmind.data.models import ActivityType


class ActivityPublic(Public):
    """One event, linked to a lead, contact, deal and/or account."""

    id: int
    type: ActivityType
    occurred_at: datetime
    lead_id: int | None
    contact_id: int | None
    opportunity_id: int | None
    account_id: int | None
    user_id: int | None
    subject: str | None
    url: str | None
    duration_seconds: float | None
    details: dict[str, Any] | None
    external_id: str | None


class TimelineItemPublic(Public):
    """One entry on a record's timeline, newest first."""

    at: datetime
    kind: str
    title: str
    detail: str | None = None
    link: str | None = None


class IngestReport(Public):
    """What a bulk ingest did: rows read, and how many were inserted, updated, unchanged or merged."""

    entity: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    merged: int
    merges: list[str]
    import_run_id: int | None
