"""Meeting booking pages: the public page of a rep (/book/{slug}, no login), its confirmation and .ics
download, and the Meetings page where reps and managers see what was booked."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import available_timezones

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from salesmind.api.deps import SessionDep
from salesmind.core.errors import NotFound, SalesmindError, UserInputError
from salesmind.core.timeutil import zone
from salesmind.engagement.booking import (
    book,
    get_booking,
    group_by_day,
    invitation_for,
    list_bookings,
    page_slots,
)
from salesmind.engagement.booking.service import calendar_for_user, invitation_queued
from salesmind.web.deps import PageDep, PageNotFound, render
from salesmind.web.nav import ENGAGE, NavItem, add_nav_item

router = APIRouter()
_UID = re.compile(r"^[A-Za-z0-9@._-]{1,255}$")


def add_booking_nav(app: FastAPI) -> None:
    """Put Meetings (everyone: reps see their own bookings, managers their team's) in the navigation bar."""
    add_nav_item(app, NavItem("Meetings", "/bookings", group=ENGAGE))


@lru_cache(maxsize=1)
def zone_names() -> list[str]:
    """The IANA zones a visitor can pick from (region/city names, sorted)."""
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))) + ["UTC"]


def _clock(request: Request) -> datetime:
    return request.app.state.clock.now()


def _booking_page(request: Request, session: Any, slug: str, tz: str, status_code: int = 200,
                  error: str | None = None, form: dict[str, str] | None = None) -> HTMLResponse:
    """Render the public page in ``tz`` (UTC, with the message, when the zone is unknown)."""
    try:
        zone(tz)
    except UserInputError as exc:
        error, tz, status_code = str(exc), "UTC", 422
    try:
        page = page_slots(session, slug, _clock(request), tz)
    except NotFound as exc:
        raise PageNotFound(str(exc)) from None
    except UserInputError as exc:  # the rep's calendar cannot be read: no slots rather than wrong ones
        return render(request, "booking/public.html", 503, page=None, days=[], tz=tz, zones=zone_names(), slug=slug,
                      error=f"This booking page is not available right now ({exc}).", form=form or {})
    return render(request, "booking/public.html", status_code, page=page, days=group_by_day(page.slots), tz=tz,
                  zones=zone_names(), slug=slug, error=error, form=form or {})


@router.get("/book/{slug}", response_class=HTMLResponse)
def public_page(request: Request, session: SessionDep, slug: str,
                tz: Annotated[str | None, Query(max_length=64)] = None) -> HTMLResponse:
    """A rep's booking page: free slots by day in the visitor's zone and the booking form (no login)."""
    return _booking_page(request, session, slug.lower(), tz or "UTC", form={"detect": "" if tz else "1"})


@router.post("/book/{slug}", response_class=HTMLResponse)
def public_book(request: Request, session: SessionDep, slug: str, slot: Annotated[str, Form(max_length=40)] = "",
                name: Annotated[str, Form(max_length=400)] = "", email: Annotated[str, Form(max_length=400)] = "",
                notes: Annotated[str, Form(max_length=5000)] = "",
                tz: Annotated[str, Form(max_length=64)] = "UTC") -> Response:
    """Book the chosen slot; the confirmation page on success, the page again with the reason otherwise."""
    form = {"name": name, "email": email, "notes": notes, "slot": slot}
    try:
        zone(tz)
        try:
            start = datetime.fromisoformat(slot.replace("Z", "+00:00"))
        except ValueError:
            raise UserInputError("please choose a time") from None
        if start.tzinfo is None:
            raise UserInputError("please choose a time")
        booking = book(request.app.state.database, slug.lower(), start, name, email, tz, notes or None,
                       now=_clock(request))
    except NotFound as exc:
        raise PageNotFound(str(exc)) from None
    except SalesmindError as exc:
        return _booking_page(request, session, slug.lower(), tz, exc.http_status, str(exc), form)
    return RedirectResponse(f"/book/{slug.lower()}/confirmed/{booking.uid}", status_code=303)


def _public_booking(session: Any, slug: str, uid: str) -> tuple[Any, Any]:
    if not _UID.match(uid):
        raise PageNotFound("There is no such booking.")
    try:
        booking, rep = get_booking(session, uid)
        cal = calendar_for_user(session, rep.id)
    except NotFound:
        raise PageNotFound("There is no such booking.") from None
    if cal is None or cal.slug != slug.lower():
        raise PageNotFound("There is no such booking.")
    return booking, rep


@router.get("/book/{slug}/confirmed/{uid}", response_class=HTMLResponse)
def confirmed_page(request: Request, session: SessionDep, slug: str, uid: str) -> HTMLResponse:
    """The confirmation: the meeting in the visitor's zone and an "add to calendar" link."""
    booking, rep = _public_booking(session, slug, uid)
    return render(request, "booking/confirmed.html", booking=booking, rep_name=rep.name, slug=slug.lower(),
                  local=booking.starts_at.astimezone(zone(booking.visitor_timezone)),
                  emailed=invitation_queued(session, booking))


@router.get("/book/{slug}/ics/{uid}")
def ics_download(session: SessionDep, slug: str, uid: str) -> Response:
    """The meeting's invitation as an .ics file for the visitor's calendar."""
    booking, rep = _public_booking(session, slug, uid)
    return Response(invitation_for(booking, rep), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="meeting.ics"'})


@router.get("/bookings", response_class=HTMLResponse)
def meetings_page(page: PageDep, show: Annotated[str, Query(pattern="^(upcoming|all)$")] = "upcoming") -> HTMLResponse:
    """Booked meetings the viewer may see (their own, their team's, or all for admins), soonest first."""
    upcoming = show == "upcoming"
    now = _clock(page.request)
    items, total = list_bookings(page.session, page.scope, since=now if upcoming else None,
                                 status="confirmed" if upcoming else None, limit=500)
    own = calendar_for_user(page.session, page.user.id)
    return page.render("booking/meetings.html", items=items, total=total, show=show,
                       own_slug=own.slug if own else None)
