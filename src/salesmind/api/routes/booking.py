"""Booking: a rep page's free slots and booking a meeting (public, no login), booked meetings (scoped).

The two public routes need no login, as a booking page is meant for prospects; everything they take
is validated and a booking is all or nothing. Reps see their own meetings, managers their team's.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request, status

from salesmind.api.deps import NowDep, ScopeDep, SessionDep
from salesmind.api.schemas.booking import (
    SLUG_PATTERN,
    TZ_PATTERN,
    UID_PATTERN,
    BookingCreate,
    BookingListItem,
    BookingPage,
    BookingPublic,
    SlotPublic,
    SlotsPublic,
)
from salesmind.engagement.booking import book, list_bookings, page_slots
from salesmind.engagement.booking.service import cancel_in

router = APIRouter(tags=["booking"])
Slug = Path(pattern=SLUG_PATTERN, max_length=80)


@router.get("/booking/{slug}/slots", response_model=SlotsPublic)
def booking_slots(session: SessionDep, now: NowDep, slug: str = Slug,
                  tz: str = Query("UTC", pattern=TZ_PATTERN)) -> SlotsPublic:
    """The free slots of a rep's booking page, shown in ``tz`` (public)."""
    page = page_slots(session, slug, now, tz)
    return SlotsPublic(slug=page.slug, rep_name=page.rep_name, rep_timezone=page.rep_timezone, timezone=tz,
                       slot_minutes=page.slot_minutes,
                       slots=[SlotPublic(start=s.start, end=s.end, local_start=s.visitor_start, rep_start=s.rep_start)
                              for s in page.slots])


@router.post("/booking/{slug}", response_model=BookingPublic, status_code=status.HTTP_201_CREATED)
def create_booking(body: BookingCreate, request: Request, now: NowDep, slug: str = Slug) -> BookingPublic:
    """Book a free slot (public): 201 with the meeting, 409 when the slot was just taken, 422 for bad input."""
    booking = book(request.app.state.database, slug, body.start, body.name, body.email, body.timezone, body.notes,
                   now=now)
    return BookingPublic.model_validate(booking)


@router.get("/bookings", response_model=BookingPage)
def bookings(session: SessionDep, scope: ScopeDep, now: NowDep, upcoming: bool = True,
             limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0, le=10_000_000)) -> BookingPage:
    """Visible booked meetings, soonest first (only upcoming confirmed ones unless ``upcoming=false``)."""
    items, total = list_bookings(session, scope, since=now if upcoming else None,
                                 status="confirmed" if upcoming else None, limit=limit, offset=offset)
    return BookingPage(total=total, items=[BookingListItem.model_validate(i) for i in items])


@router.post("/bookings/{uid}/cancel", response_model=BookingPublic)
def cancel_booking(session: SessionDep, scope: ScopeDep, uid: str = Path(pattern=UID_PATTERN)) -> BookingPublic:
    """Cancel a visible booked meeting (its slot becomes free again)."""
    return BookingPublic.model_validate(cancel_in(session, uid, scope))

