"""Outgoing mail, the suppression list, and meeting booking.

``OutboxMessage`` is one email salesmind will send (or has sent): it is written in the same
transaction as the decision to send it, and a worker delivers it through SMTP with retries.
``idempotency_key`` is unique, so the same step can never queue two messages, and ``message_id``
(the RFC 5322 Message-ID) is fixed when the message is queued, so a retry is the same message.
``Suppression`` holds the SHA-256 of each address that must never be mailed again (unsubscribed,
hard-bounced, complained): kept as a hash, it survives the erasure of the person it protects.
``RepCalendar`` is a rep's booking page settings and ``Booking`` a meeting booked on it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from salesmind.core.timeutil import utcnow
from salesmind.data.models.base import Base

OUTBOX_STATUSES = ("queued", "sending", "sent", "failed", "suppressed", "cancelled")
SUPPRESSION_REASONS = ("unsubscribe", "bounce", "complaint", "manual")
BOOKING_STATUSES = ("confirmed", "cancelled")


class OutboxMessage(Base):
    """An email to send, with its delivery state."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32), default="email")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    from_address: Mapped[str] = mapped_column(String(254))
    to_address: Mapped[str] = mapped_column(String(254))
    reply_to: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(500))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, Any] | None]
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    send_after: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    email_message_id: Mapped[int | None] = mapped_column(ForeignKey("email_messages.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any] | None]


class Suppression(Base):
    """An address that must never be mailed: its SHA-256 (lower-cased, trimmed), why and when."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    reason: Mapped[str] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RepCalendar(Base):
    """A rep's booking page: working hours in their time zone, busy times from an ICS feed, slot rules."""

    __tablename__ = "rep_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    working_hours: Mapped[dict[str, Any]]
    slot_minutes: Mapped[int] = mapped_column(default=30)
    buffer_minutes: Mapped[int] = mapped_column(default=0)
    min_notice_minutes: Mapped[int] = mapped_column(default=120)
    horizon_days: Mapped[int] = mapped_column(default=14)
    ics_source: Mapped[str | None] = mapped_column(String(1000))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Booking(Base):
    """A meeting booked on a rep's page; ``slot_key`` (unique) is set while confirmed, so a slot books once."""

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(255), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    slot_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    visitor_name: Mapped[str | None] = mapped_column(String(200))
    visitor_email: Mapped[str] = mapped_column(String(254))
    visitor_timezone: Mapped[str] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
