"""Booking: a page's free slots, a visitor's booking request, booked meetings."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field

from salesmind.api.schemas.common import Input, Public, text

#: Characters of IANA zone names (the zone itself is checked by the service).
TZ_PATTERN = r"^[A-Za-z0-9_+\-/]{1,64}$"
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$"
UID_PATTERN = r"^[A-Za-z0-9@._-]{1,255}$"


class SlotPublic(Public):
    """A free slot: UTC start and end, and the start in the visitor's and the rep's zones."""

    start: datetime
    end: datetime
    local_start: datetime = Field(description="the start in the requested time zone")
    rep_start: datetime = Field(description="the start in the rep's time zone")


class SlotsPublic(Public):
    """The free slots of a booking page."""

    slug: str
    rep_name: str
    rep_timezone: str
    timezone: str
    slot_minutes: int
    slots: list[SlotPublic]


class BookingCreate(Input):
    """A visitor's booking: the slot's start (with its zone), who they are, their zone and notes."""

    start: AwareDatetime = Field(description="a slot start from the slots list, ISO-8601 with a time zone")
    name: text(200, 1)  # type: ignore[valid-type]
    email: text(254, 3)  # type: ignore[valid-type]
    timezone: str = Field("UTC", pattern=TZ_PATTERN, description="the visitor's IANA time zone")
    notes: text(5000) | None = None  # type: ignore[valid-type]


class BookingPublic(Public):
    """A booked meeting."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    status: str
    visitor_name: str | None
    visitor_email: str
    visitor_timezone: str
    notes: str | None = None
    lead_id: int | None = None
    contact_id: int | None = None


class BookingListItem(BookingPublic):
    """A booked meeting with its rep."""

    rep_name: str
    rep_email: str
    created_at: datetime


class BookingPage(Public):
    """A page of booked meetings."""

    total: int
    items: list[BookingListItem]
