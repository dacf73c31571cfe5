"""Activities, email threads and messages, calls with speaker-labelled utterances, content."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesmind.data.models.base import (
    ActivityType,
    Base,
    Direction,
    External,
    SpeakerRole,
    Timestamped,
    enum_column,
)


class ContentAsset(Base, Timestamped, External):
    """A piece of marketing or sales content (case study, whitepaper, webinar, ...)."""

    __tablename__ = "content_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(String(500))
    topic: Mapped[str | None] = mapped_column(String(120))
    industry: Mapped[str | None] = mapped_column(String(120))
    stage: Mapped[str | None] = mapped_column(String(64))


class EmailThread(Base, Timestamped):
    """A conversation of email messages."""

    __tablename__ = "email_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str | None] = mapped_column(String(500))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)

    messages: Mapped[list["EmailMessage"]] = relationship(
        back_populates="thread", order_by="EmailMessage.sent_at", cascade="all, delete-orphan"
    )


class EmailMessage(Base, External):
    """One email with its body, direction and place in a thread."""

    __tablename__ = "email_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("email_threads.id", ondelete="CASCADE"), index=True)
    direction: Mapped[Direction] = enum_column(Direction)
    from_address: Mapped[str | None] = mapped_column(String(254))
    to_address: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(500))
    body_text: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(255))

    thread: Mapped[EmailThread] = relationship(back_populates="messages")


class Call(Base, Timestamped, External):
    """A recorded call or meeting with its transcript."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str | None] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(index=True)
    duration_seconds: Mapped[float | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"), index=True)
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    source: Mapped[str | None] = mapped_column(String(64))

    participants: Mapped[list["CallParticipant"]] = relationship(cascade="all, delete-orphan")
    utterances: Mapped[list["Utterance"]] = relationship(
        order_by="Utterance.start_seconds", cascade="all, delete-orphan"
    )


class CallParticipant(Base):
    """A speaker on a call, resolved to a user (rep) or a contact (prospect) when known."""

    __tablename__ = "call_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    speaker_label: Mapped[str] = mapped_column(String(120))
    role: Mapped[SpeakerRole] = enum_column(SpeakerRole, default=SpeakerRole.OTHER)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))


class Utterance(Base):
    """What one speaker said, from ``start_seconds`` to ``end_seconds`` of the call."""

    __tablename__ = "utterances"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("call_participants.id", ondelete="CASCADE"), index=True
    )
    speaker_label: Mapped[str] = mapped_column(String(120))
    start_seconds: Mapped[float]
    end_seconds: Mapped[float]
    text: Mapped[str] = mapped_column(Text)


class Activity(Base, External):
    """An event in a buyer's journey, linked to a lead, contact, deal and/or account."""

    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_lead_time", "lead_id", "occurred_at"),
        Index("ix_activities_opp_time", "opportunity_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[ActivityType] = enum_column(ActivityType, index=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    subject: Mapped[str | None] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(1000))
    duration_seconds: Mapped[float | None]
    email_message_id: Mapped[int | None] = mapped_column(ForeignKey("email_messages.id", ondelete="SET NULL"))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    content_asset_id: Mapped[int | None] = mapped_column(ForeignKey("content_assets.id"), index=True)
    details: Mapped[dict[str, Any] | None]
