"""Stop rules: what ends or pauses an enrolment, read from the database (replies, bookings, suppression).

Every check is pull-based: the tick asks the database before each step, so a reply stored by any
path (SMTP poller, webhook, import) stops the cadence even when no hook ran. A reply's intent (from
the reply classifier, a rep's correction first) decides the next step; see :data:`REPLY_RULES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from salesmind.data.models import Contact, Direction, EmailMessage, Lead, ReplyClassification
from salesmind.data.models.cadences import Enrolment
from salesmind.data.models.outreach import Booking
from salesmind.engagement.cadences.config import DEFAULT_OOO_PAUSE_DAYS
from salesmind.engagement.cadences.windows import SendWindow, next_send_moment
from salesmind.engagement.mail.suppression import refusal_reason

Person = Lead | Contact


@dataclass(frozen=True)
class ReplyRule:
    """What a reply of one intent does: the stop reason, the owner's task (kind, title) and its priority."""

    reason: str
    task_kind: str | None = None
    task_title: str | None = None
    priority: int = 2
    nurture: bool = False


#: Intent (or None: not classified yet) -> what happens; out-of-office pauses instead (see :func:`reply_decision`).
REPLY_RULES: dict[str | None, ReplyRule] = {
    "positive_meeting": ReplyRule("replied", "email", "Send {name} your calendar link: they are willing to meet", 3),
    "positive_info": ReplyRule("replied", "email", "Send {name} the information they asked for, then propose a call", 3),
    "objection_has_solution": ReplyRule("not now", nurture=True),
    "objection_timing": ReplyRule("not now", nurture=True),
    "objection_price": ReplyRule("replied", "call", "Call {name} now: price objection", 3),
    "objection_wrong_person": ReplyRule("referred", "task", "Ask {name} who owns this and add that contact", 2),
    "referral": ReplyRule("referred", "task", "Create the referred contact{referral} and reach out", 2),
    "unsubscribe": ReplyRule("unsubscribed"),
    "other": ReplyRule("replied", "task", "Read {name}'s reply and decide the next step", 2),
    None: ReplyRule("replied", "task", "Read {name}'s reply and decide the next step", 2),
}


@dataclass
class Decision:
    """Stop (with a reason) or pause (until a moment) an enrolment, with an optional task for its owner."""

    action: str  # "stop" or "pause"
    reason: str
    until: datetime | None = None
    task_kind: str | None = None
    task_title: str | None = None
    priority: int = 2
    nurture: bool = False
    details: dict[str, Any] = field(default_factory=dict)


def person_of(session: Session, enrolment: Enrolment) -> Person | None:
    """The lead or contact an enrolment walks."""
    if enrolment.lead_id is not None:
        return session.get(Lead, enrolment.lead_id)
    if enrolment.contact_id is not None:
        return session.get(Contact, enrolment.contact_id)
    return None


def display_name(person: Person | None) -> str:
    """A short name for task titles."""
    if person is None:
        return "this person"
    name = " ".join(p for p in (person.first_name, person.last_name) if p)
    return name or person.email or f"#{person.id}"


def _mine(column_lead: Any, column_contact: Any, enrolment: Enrolment) -> Any:
    if enrolment.lead_id is not None:
        return column_lead == enrolment.lead_id
    return column_contact == enrolment.contact_id


def new_reply(session: Session, enrolment: Enrolment) -> EmailMessage | None:
    """The latest inbound message from the person since enrolment that this enrolment has not handled yet."""
    seen = int((enrolment.details or {}).get("seen_reply_id", 0))
    stmt = (select(EmailMessage).where(EmailMessage.direction == Direction.INBOUND,
                                       _mine(EmailMessage.lead_id, EmailMessage.contact_id, enrolment),
                                       EmailMessage.sent_at >= enrolment.enrolled_at, EmailMessage.id > seen)
            .order_by(EmailMessage.id.desc()))
    return session.scalars(stmt).first()


def reply_decision(session: Session, reply: EmailMessage, person: Person | None, zone: ZoneInfo,
                   window: SendWindow, now: datetime) -> Decision:
    """What a reply does, by its intent (a rep's correction wins over the model)."""
    row = session.scalars(select(ReplyClassification)
                          .where(ReplyClassification.email_message_id == reply.id)).first()
    intent = (row.corrected_intent or row.intent) if row is not None else None
    extracted = (row.extracted or {}) if row is not None else {}
    details: dict[str, Any] = {"reply_id": reply.id, "intent": intent}
    if intent == "out_of_office":
        back = _return_date(extracted.get("return_date"))
        if back is not None:
            until = next_send_moment(datetime.combine(back, time(0, 0), tzinfo=zone), zone, window)
        else:
            until = next_send_moment(now + timedelta(days=DEFAULT_OOO_PAUSE_DAYS), zone, window)
        details["return_date"] = back.isoformat() if back else None
        return Decision("pause", "out of office", until=max(until, now), details=details)
    rule = REPLY_RULES.get(intent, REPLY_RULES[None])
    referral = extracted.get("referral") or {}
    if referral:
        details["referral"] = referral
    title = None
    if rule.task_title:
        who = referral.get("name") or referral.get("email")
        title = rule.task_title.format(name=display_name(person), referral=f" {who}" if who else "")
    return Decision("stop", rule.reason, task_kind=rule.task_kind, task_title=title, priority=rule.priority,
                    nurture=rule.nurture, details=details)


def _return_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def booking_for(session: Session, enrolment: Enrolment, person: Person | None) -> Booking | None:
    """A confirmed booking by the person for a meeting after enrolment."""
    whose = [_mine(Booking.lead_id, Booking.contact_id, enrolment)]
    if person is not None and person.email:
        whose.append(func.lower(Booking.visitor_email) == person.email.strip().lower())
    stmt = select(Booking).where(Booking.status == "confirmed", or_(*whose),
                                 Booking.starts_at >= enrolment.enrolled_at)
    return session.scalars(stmt.order_by(Booking.id)).first()


def mail_refusal(session: Session, person: Person | None, needs_consent: bool) -> str | None:
    """The stop reason when the person may no longer be contacted: "bounced", "unsubscribed" or "no consent"."""
    if person is None:
        return "person deleted"
    if person.do_not_contact:
        return "unsubscribed"
    if not person.email:
        return None if not needs_consent else "no email address"
    reason = refusal_reason(session, person.email, person)
    if reason is None:
        return None
    if "bounce" in reason:
        return "bounced"
    if reason.startswith("suppressed"):
        return "unsubscribed"
    return "no consent" if needs_consent else None


def stop_decision(session: Session, enrolment: Enrolment, person: Person | None, *, zone: ZoneInfo,
                  window: SendWindow, needs_email: bool, now: datetime) -> Decision | None:
    """The first stop condition that holds (suppression, reply, booking), or None to go on."""
    refused = mail_refusal(session, person, needs_email)
    if refused is not None:
        return Decision("stop", refused)
    reply = new_reply(session, enrolment)
    if reply is not None:
        enrolment.details = {**(enrolment.details or {}), "seen_reply_id": reply.id}
        return reply_decision(session, reply, person, zone, window, now)
    booking = booking_for(session, enrolment, person)
    if booking is not None:
        return Decision("stop", "meeting booked", details={"booking_uid": booking.uid})
    return None
