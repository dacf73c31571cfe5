"""Booking: a rep's calendar settings, the free slots on their page, booking and cancelling a meeting.

:func:`book` is one unit of work: it checks the slot is still free, writes the booking (whose unique
``slot_key`` makes a simultaneous second booking of the same slot fail cleanly), links the visitor to a
contact or lead by email (creating a lead from the booking page when unknown), logs a meeting activity,
hands the ICS invitation to :func:`deliver_invitation` and calls :func:`on_meeting_booked`, the hook
the cadence engine takes over to stop the visitor's cadence. Anything failing rolls all of it back.
"""

from __future__ import annotations

import re
import time as _time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from salesmind.core.db import Database
from salesmind.core.errors import NotFound, UserInputError
from salesmind.core.settings import Settings
from salesmind.core.timeutil import UTC, utcnow, zone
from salesmind.data.models import (
    Activity,
    ActivityType,
    Booking,
    Contact,
    Lead,
    LeadStatus,
    OutboxMessage,
    RepCalendar,
    Role,
    User,
)
from salesmind.data.scope import Scope
from salesmind.engagement.booking.busy import Interval, busy_intervals, read_ics_source
from salesmind.engagement.booking.hours import (
    hours_to_json,
    parse_hours_shorthand,
    parse_working_hours,
)
from salesmind.engagement.booking.invite import Invitation, invitation_ics
from salesmind.engagement.booking.slots import Slot, booking_window, free_slots

#: Working hours given to a calendar that is created without any.
DEFAULT_HOURS = "mon-fri 09:00-17:00"
#: Lead source of visitors who were unknown when they booked.
BOOKING_SOURCE = "booking page"
#: Seconds a fetched calendar feed is reused (files are read every time).
FEED_CACHE_SECONDS = 300
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]{2,}$")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
_FEEDS: dict[str, tuple[float, bytes]] = {}
_SETTINGS = {"timezone", "working_hours", "slot_minutes", "buffer_minutes", "min_notice_minutes", "horizon_days",
             "ics_source", "slug"}
_LIMITS = {"slot_minutes": (5, 480), "buffer_minutes": (0, 240), "min_notice_minutes": (0, 60 * 24 * 30),
           "horizon_days": (1, 365)}


class SlotTaken(UserInputError):
    """The slot was booked by someone else (or is no longer offered)."""

    http_status = 409


@dataclass(frozen=True)
class BookingView:
    """A booking as lists show it, with its rep's name."""

    uid: str
    rep_name: str
    rep_email: str
    starts_at: datetime
    ends_at: datetime
    status: str
    visitor_name: str | None
    visitor_email: str
    visitor_timezone: str
    notes: str | None
    lead_id: int | None
    contact_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class BookingPage:
    """What the public page shows: the rep, their zone, the visitor's zone and the free slots."""

    slug: str
    rep_name: str
    rep_timezone: str
    visitor_timezone: str
    slot_minutes: int
    slots: list[Slot]


def slugify(text: str) -> str:
    """A URL slug from a name: lower-case letters, digits and single hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:80].strip("-") or "rep"


def check_email(email: str) -> str:
    """The trimmed address, or a clear error when it is not one."""
    email = (email or "").strip()
    if len(email) > 254 or not _EMAIL.match(email):
        raise UserInputError(f"{email!r} is not a valid email address")
    return email


# --- calendars ---------------------------------------------------------------------------------------------


def set_calendar(database: Database, email: str, **settings: Any) -> RepCalendar:
    """Create or update the booking calendar of the user with ``email`` (settings as ``RepCalendar`` fields)."""
    with database.transaction() as session:
        return set_calendar_in(session, email, **settings)


def set_calendar_in(session: Session, email: str, **settings: Any) -> RepCalendar:
    """:func:`set_calendar` inside an open session."""
    unknown = set(settings) - _SETTINGS
    if unknown:
        raise UserInputError(f"unknown calendar setting(s): {', '.join(sorted(unknown))}")
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise NotFound(f"no user with email {email!r}")
    calendar = session.scalar(select(RepCalendar).where(RepCalendar.user_id == user.id))
    if calendar is None:
        calendar = RepCalendar(user_id=user.id, timezone=user.timezone or "UTC",
                               working_hours=parse_hours_shorthand(DEFAULT_HOURS),
                               slug=_free_slug(session, slugify(user.name)))
        session.add(calendar)
    values = {k: v for k, v in settings.items() if v is not None}
    if "timezone" in values:
        zone(values["timezone"])
    if "working_hours" in values:
        hours = values["working_hours"]
        values["working_hours"] = (parse_hours_shorthand(hours) if isinstance(hours, str)
                                   else hours_to_json(parse_working_hours(hours)))
    for name, (low, high) in _LIMITS.items():
        if name in values and not (isinstance(values[name], int) and low <= values[name] <= high):
            raise UserInputError(f"{name.replace('_', ' ')} must be a whole number from {low} to {high}")
    if "slug" in values:
        values["slug"] = _check_slug(session, values["slug"], calendar.id)
    if values.get("ics_source") == "":
        values["ics_source"] = None
    for name, value in values.items():
        setattr(calendar, name, value)
    session.flush()
    return calendar


def _check_slug(session: Session, slug: str, calendar_id: int | None) -> str:
    slug = slug.strip().lower()
    if not _SLUG.match(slug):
        raise UserInputError(f"slug {slug!r} must be lower-case letters, digits and hyphens (at most 80)")
    other = session.scalar(select(RepCalendar.id).where(RepCalendar.slug == slug))
    if other is not None and other != calendar_id:
        raise UserInputError(f"slug {slug!r} is already used by another rep")
    return slug


def _free_slug(session: Session, base: str) -> str:
    slug, n = base, 1
    while session.scalar(select(RepCalendar.id).where(RepCalendar.slug == slug)) is not None:
        n += 1
        slug = f"{base[:76]}-{n}"
    return slug


def calendar_for_slug(session: Session, slug: str) -> tuple[RepCalendar, User]:
    """The calendar with ``slug`` and its (active) rep, or :class:`NotFound`."""
    row = session.execute(select(RepCalendar, User).join(User, User.id == RepCalendar.user_id)
                          .where(RepCalendar.slug == slug.lower(), User.is_active.is_(True))).first()
    if row is None:
        raise NotFound(f"no booking page {slug!r}")
    return row[0], row[1]


def calendar_for_user(session: Session, user_id: int) -> RepCalendar | None:
    """The user's booking calendar, if they have one."""
    return session.scalar(select(RepCalendar).where(RepCalendar.user_id == user_id))


# --- slots -------------------------------------------------------------------------------------------------


def _ics_bytes(source: str) -> bytes:
    if not source.startswith(("http://", "https://")):
        return read_ics_source(source)
    cached = _FEEDS.get(source)
    if cached and _time.monotonic() - cached[0] < FEED_CACHE_SECONDS:
        return cached[1]
    data = read_ics_source(source)
    _FEEDS[source] = (_time.monotonic(), data)
    return data


def calendar_busy(calendar: RepCalendar, now: datetime) -> list[Interval]:
    """The rep's busy intervals from their ICS source over the booking window (none without a source)."""
    if not calendar.ics_source:
        return []
    start, end = booking_window(calendar, now)
    return busy_intervals(_ics_bytes(calendar.ics_source), calendar.timezone, start - timedelta(days=1), end)


def booked_intervals(session: Session, user_id: int, since: datetime) -> list[Interval]:
    """The rep's confirmed bookings that end after ``since``."""
    rows = session.execute(select(Booking.starts_at, Booking.ends_at).where(
        Booking.user_id == user_id, Booking.status == "confirmed", Booking.ends_at > since))
    return [(s, e) for s, e in rows]


def page_slots(session: Session, slug: str, now: datetime, visitor_tz: str) -> BookingPage:
    """The free slots on the booking page ``slug``, shown in ``visitor_tz``."""
    zone(visitor_tz)
    calendar, rep = calendar_for_slug(session, slug)
    slots = free_slots(calendar, calendar_busy(calendar, now),
                       booked_intervals(session, rep.id, now - timedelta(days=1)), now, visitor_tz)
    return BookingPage(calendar.slug, rep.name, calendar.timezone, visitor_tz, calendar.slot_minutes, slots)


# --- booking -----------------------------------------------------------------------------------------------


def book(database: Database, slug: str, start: datetime, visitor_name: str, visitor_email: str, visitor_tz: str,
         notes: str | None = None, *, now: datetime | None = None) -> Booking:
    """Book the slot starting at ``start`` (aware) on page ``slug``: all of it, or nothing and a clear error."""
    try:
        with database.transaction() as session:
            return book_in(session, slug, start, visitor_name, visitor_email, visitor_tz, notes, now=now,
                           settings=database.settings)
    except IntegrityError:
        # Another visitor's booking of the same slot committed first: slot_key is unique while confirmed.
        raise SlotTaken("that time was just taken: please pick another slot") from None


def book_in(session: Session, slug: str, start: datetime, visitor_name: str, visitor_email: str, visitor_tz: str,
            notes: str | None = None, *, now: datetime | None = None, settings: Settings | None = None) -> Booking:
    """:func:`book` inside an open session (the caller commits; a clash surfaces as ``IntegrityError``)."""
    now = now or utcnow()
    if start.tzinfo is None:
        raise UserInputError("the slot's start time needs a time zone")
    start = start.astimezone(UTC)
    email = check_email(visitor_email)
    name = (visitor_name or "").strip()
    if not name or len(name) > 200:
        raise UserInputError("please give your name (at most 200 characters)")
    if notes is not None and len(notes) > 5000:
        raise UserInputError("notes must be at most 5,000 characters")
    page = page_slots(session, slug, now, visitor_tz)
    slot = next((s for s in page.slots if s.start == start), None)
    if slot is None:
        raise SlotTaken("that time is not free any more: please pick another slot")
    _calendar, rep = calendar_for_slug(session, slug)
    lead, contact = _link_visitor(session, rep, name, email, visitor_tz)
    booking = Booking(uid=f"{uuid.uuid4()}@salesmind", user_id=rep.id, starts_at=slot.start, ends_at=slot.end,
                      status="confirmed", slot_key=f"{rep.id}:{slot.key}", visitor_name=name, visitor_email=email,
                      visitor_timezone=visitor_tz, notes=(notes or "").strip() or None,
                      lead_id=lead.id if lead else None, contact_id=contact.id if contact else None, created_at=now)
    session.add(booking)
    session.flush()
    session.add(Activity(type=ActivityType.MEETING, occurred_at=now, lead_id=booking.lead_id,
                         contact_id=booking.contact_id, account_id=contact.account_id if contact else None,
                         user_id=rep.id, subject=f"Meeting booked for {slot.start:%Y-%m-%d %H:%M} UTC",
                         details={"booking_uid": booking.uid, "starts_at": slot.start.isoformat(),
                                  "ends_at": slot.end.isoformat(), "source": BOOKING_SOURCE}))
    deliver_invitation(session, booking, rep, invitation_for(booking, rep, now), settings)
    on_meeting_booked(session, booking)
    session.flush()
    return booking


def _link_visitor(session: Session, rep: User, name: str, email: str,
                  visitor_tz: str) -> tuple[Lead | None, Contact | None]:
    """The visitor's contact and lead by email; a new lead (owned by the rep) when neither exists."""
    address = email.lower()
    contact = session.scalar(select(Contact).where(func.lower(Contact.email) == address).order_by(Contact.id))
    lead = session.scalar(select(Lead).where(func.lower(Lead.email) == address).order_by(Lead.id.desc()))
    if lead is None and contact is None:
        first, _, last = name.partition(" ")
        lead = Lead(first_name=first[:120], last_name=last.strip()[:120] or None, email=email, source=BOOKING_SOURCE,
                    owner_id=rep.id, timezone=visitor_tz, status=LeadStatus.NEW)
        session.add(lead)
        session.flush()
    return lead, contact


def invitation_for(booking: Booking, rep: User, now: datetime | None = None) -> bytes:
    """The ICS invitation (``METHOD:REQUEST``, or ``CANCEL`` for a cancelled booking) of ``booking``."""
    invite = Invitation(
        uid=booking.uid, start=booking.starts_at, end=booking.ends_at, organizer_email=rep.email,
        organizer_name=rep.name, attendee_email=booking.visitor_email,
        attendee_name=booking.visitor_name or booking.visitor_email,
        summary=f"Meeting: {booking.visitor_name or booking.visitor_email} and {rep.name}",
        description=booking.notes or f"Booked on {rep.name}'s booking page.",
        created=now or booking.created_at or utcnow())
    return invitation_ics(invite, cancel=booking.status == "cancelled")


def deliver_invitation(session: Session, booking: Booking, rep: User, ics: bytes,
                       settings: Settings | None = None) -> bool:
    """Hook: queue the invitation for the visitor in the mail outbox; True when it was queued.

    The invitation is a message the visitor asked for, so marketing consent is not required, but the
    suppression list and a do-not-contact flag are honoured. Without the mail outbox
    (``salesmind.engagement.mail.outbox.enqueue``) nothing is sent and the invitation stays available from
    :func:`invitation_for` (the confirmation page's "add to calendar" link).
    """
    try:
        from salesmind.engagement.mail import outbox
    except ImportError:
        return False
    enqueue = getattr(outbox, "enqueue", None)
    if enqueue is None:
        return False
    for model, record_id in ((Lead, booking.lead_id), (Contact, booking.contact_id)):
        person = session.get(model, record_id) if record_id else None
        if person is not None and person.do_not_contact:
            return False
    when = booking.starts_at.astimezone(zone(booking.visitor_timezone))
    text = (f"Hello {booking.visitor_name or ''},\n\nyour meeting with {rep.name} is booked for "
            f"{when:%A %d %B %Y, %H:%M} ({booking.visitor_timezone}). The invitation is attached.\n")
    message = enqueue(session, idempotency_key=f"booking:{booking.uid}", to=booking.visitor_email,
                      subject=f"Meeting with {rep.name}: {when:%a %d %b %H:%M}", text=text, user_id=rep.id,
                      headers={"Reply-To": rep.email}, settings=settings, requested=True,
                      lead_id=booking.lead_id, contact_id=None if booking.lead_id else booking.contact_id,
                      details={"booking_uid": booking.uid, "lead_id": booking.lead_id,
                               "contact_id": booking.contact_id,
                               "attachments": [{"filename": "invite.ics",
                                                "content_type": "text/calendar; method=REQUEST",
                                                "content": ics.decode("utf-8")}]})
    return message.status == "queued"


def invitation_queued(session: Session, booking: Booking) -> bool:
    """True when the booking's invitation waits in (or has left) the mail outbox."""
    row = session.scalar(select(OutboxMessage.status).where(OutboxMessage.idempotency_key == f"booking:{booking.uid}"))
    return row in ("queued", "sending", "sent")


def on_meeting_booked(session: Session, booking: Booking) -> None:
    """Stop the visitor's cadences (the meeting is what they were for); a new or nurtured lead becomes working."""
    from salesmind.engagement.cadences import hooks  # late: the cadence engine imports this package's neighbours

    hooks.on_meeting_booked(session, booking)
    if booking.lead_id is None:
        return
    lead = session.get(Lead, booking.lead_id)
    if lead is not None and lead.status in (LeadStatus.NEW, LeadStatus.NURTURING):
        lead.status = LeadStatus.WORKING


def cancel(database: Database, uid: str, scope: Scope | None = None) -> Booking:
    """Cancel a confirmed booking (its slot becomes free again); ``scope`` limits whose bookings may be cancelled."""
    with database.transaction() as session:
        return cancel_in(session, uid, scope)


def cancel_in(session: Session, uid: str, scope: Scope | None = None) -> Booking:
    """:func:`cancel` inside an open session."""
    booking = session.scalar(select(Booking).where(Booking.uid == uid))
    if booking is None or not (scope or Scope.everything()).can_see(booking.user_id):
        raise NotFound(f"no booking {uid!r}")
    if booking.status == "cancelled":
        raise UserInputError(f"booking {uid!r} is already cancelled")
    booking.status, booking.slot_key = "cancelled", None
    session.flush()
    return booking


# --- lists -------------------------------------------------------------------------------------------------


def get_booking(session: Session, uid: str) -> tuple[Booking, User]:
    """A booking and its rep by UID, or :class:`NotFound`."""
    row = session.execute(select(Booking, User).join(User, User.id == Booking.user_id)
                          .where(Booking.uid == uid)).first()
    if row is None:
        raise NotFound(f"no booking {uid!r}")
    return row[0], row[1]


def list_bookings(session: Session, scope: Scope, *, since: datetime | None = None, status: str | None = None,
                  limit: int = 100, offset: int = 0) -> tuple[list[BookingView], int]:
    """Visible bookings (the rep's own, a manager's team's, everything for admins), soonest first."""
    stmt = select(Booking, User).join(User, User.id == Booking.user_id)
    if since is not None:
        stmt = stmt.where(Booking.ends_at >= since)
    if status:
        stmt = stmt.where(Booking.status == status)
    stmt = scope.restrict(stmt, Booking.user_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(Booking.starts_at, Booking.id).limit(limit).offset(offset))
    return [_view(b, u) for b, u in rows], total


def _view(booking: Booking, rep: User) -> BookingView:
    return BookingView(booking.uid, rep.name, rep.email, booking.starts_at, booking.ends_at, booking.status,
                       booking.visitor_name, booking.visitor_email, booking.visitor_timezone, booking.notes,
                       booking.lead_id, booking.contact_id, booking.created_at)


def seed_demo_calendars(database: Database) -> int:
    """Give every active rep without a calendar one (mon-fri 09:00-17:00 in their zone); returns how many."""
    with database.transaction() as session:
        reps = session.scalars(select(User).where(User.role == Role.REP, User.is_active.is_(True))
                               .where(~select(RepCalendar.id).where(RepCalendar.user_id == User.id).exists())
                               .order_by(User.id)).all()
        for rep in reps:
            set_calendar_in(session, rep.email, timezone=rep.timezone or "UTC", working_hours=DEFAULT_HOURS)
        return len(reps)
