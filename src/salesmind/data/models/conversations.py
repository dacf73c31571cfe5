"""What the conversation jobs conclude: per-call analyses and classified email replies.

``CallAnalysis`` keeps one call's metrics (talk ratio, monologues, questions, pace, fillers), its
topics with their time on the call, and per-speaker sentiment, recomputed when the call changes.
``ReplyClassification`` is an inbound reply's intent with its confidence, what was extracted (a
return date, a referred contact), the next action it maps to, and the rep's correction when there
is one (corrections are the training data of the next model).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from salesmind.core.timeutil import utcnow
from salesmind.data.models.base import Base


class CallAnalysis(Base):
    """The analysis of one call (its newest; recomputing replaces it)."""

    __tablename__ = "call_analyses"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[str] = mapped_column(String(32))
    metrics: Mapped[dict[str, Any]]
    topics: Mapped[dict[str, Any] | None]
    sentiment: Mapped[dict[str, Any] | None]


class ReplyClassification(Base):
    """An inbound email reply's intent, extractions and next action, and the rep's correction."""

    __tablename__ = "reply_classifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_message_id: Mapped[int] = mapped_column(ForeignKey("email_messages.id", ondelete="CASCADE"), unique=True)
    classified_at: Mapped[datetime] = mapped_column(default=utcnow)
    intent: Mapped[str] = mapped_column(String(40), index=True)
    confidence: Mapped[float]
    extracted: Mapped[dict[str, Any] | None]
    next_action: Mapped[str] = mapped_column(String(64))
    model_version: Mapped[str] = mapped_column(String(64))
    corrected_intent: Mapped[str | None] = mapped_column(String(40))
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    corrected_at: Mapped[datetime | None]
