"""Hooks for immediacy: stop or pause the matching enrolments as soon as a reply, a booking or a suppression is
recorded (the tick's pull-based checks remain the guarantee when a hook is not called)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from salesmind.core.timeutil import utcnow
from salesmind.data.models import Contact, EmailMessage, Lead
from salesmind.data.models.cadences import Enrolment, Sequence
from salesmind.data.models.outreach import Booking
from salesmind.engagement.cadences.config import CadenceSettings
from salesmind.engagement.cadences.engine import (
    OPEN_STATUSES,
    apply_decision,
    stop_enrolment,
    zone_for,
)
from salesmind.engagement.cadences.stops import Person, mail_refusal, person_of, reply_decision
from salesmind.engagement.mail.suppression import address_hash


def _open_enrolments(session: Session, lead_id: int | None, contact_id: int | None) -> list[Enrolment]:
    whose = []
    if lead_id is not None:
        whose.append(Enrolment.lead_id == lead_id)
    if contact_id is not None:
        whose.append(Enrolment.contact_id == contact_id)
    if not whose:
        return []
    return list(session.scalars(select(Enrolment).where(Enrolment.status.in_(OPEN_STATUSES), or_(*whose))))


def on_reply(session: Session, email_message: EmailMessage, now: datetime | None = None) -> int:
    """An inbound reply was stored: stop (or pause) the person's open enrolments now; returns how many changed."""
    now = now or utcnow()
    changed = 0
    for enrolment in _open_enrolments(session, email_message.lead_id, email_message.contact_id):
        if email_message.sent_at < enrolment.enrolled_at:
            continue
        sequence = session.get(Sequence, enrolment.sequence_id)
        cfg = CadenceSettings.parse(sequence.settings if sequence else None)
        person = person_of(session, enrolment)
        zone = zone_for(session, person, cfg, enrolment.owner_id)
        enrolment.details = {**(enrolment.details or {}), "seen_reply_id": email_message.id}
        apply_decision(session, enrolment, person, reply_decision(session, email_message, person, zone, cfg.window,
                                                                  now), now)
        changed += 1
    return changed


def on_meeting_booked(session: Session, booking: Booking, now: datetime | None = None) -> int:
    """A meeting was booked: stop the visitor's open enrolments ("meeting booked"); returns how many."""
    now = now or utcnow()
    enrolments = _open_enrolments(session, booking.lead_id, booking.contact_id)
    for enrolment in enrolments:
        stop_enrolment(enrolment, "meeting booked", now, {"stop": {"booking_uid": booking.uid}})
    return len(enrolments)


def on_suppressed(session: Session, address: str, now: datetime | None = None) -> int:
    """An address was suppressed (bounce or unsubscribe): stop the open enrolments of everyone using it."""
    now = now or utcnow()
    hashed = address_hash(address)
    people: list[Person] = [*session.scalars(select(Lead).where(func.lower(Lead.email) == address.strip().lower())),
                            *session.scalars(select(Contact).where(func.lower(Contact.email)
                                                                   == address.strip().lower()))]
    stopped = 0
    for person in people:
        if person.email is None or address_hash(person.email) != hashed:
            continue
        lead_id = person.id if isinstance(person, Lead) else None
        contact_id = person.id if isinstance(person, Contact) else None
        for enrolment in _open_enrolments(session, lead_id, contact_id):
            stop_enrolment(enrolment, mail_refusal(session, person, True) or "unsubscribed", now)
            stopped += 1
    return stopped
