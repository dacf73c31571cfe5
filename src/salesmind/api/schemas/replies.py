"""Replies: the inbox of classified inbound replies, a correction, and classifying a text on demand."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from salesmind.api.schemas.common import Input, Public, UtcTime, text
from salesmind.conversations.intents import INTENT_NAMES

IntentName = Literal[INTENT_NAMES]  # type: ignore[valid-type]


class ReplyPublic(Public):
    """One classified reply with its suggested next action."""

    id: int
    email_message_id: int
    sent_at: datetime
    from_address: str | None
    subject: str | None
    body_text: str | None
    intent: str = Field(description="the corrected intent when there is one, else the model's")
    predicted_intent: str
    confidence: float = Field(description="the model's calibrated probability of its intent")
    next_action: str
    advice: str
    extracted: dict[str, Any] = Field(description="return_date for out-of-office, referral {name, email}")
    corrected: bool
    lead_id: int | None
    contact_id: int | None


class ReplyPage(Public):
    """A page of the inbox."""

    total: int
    items: list[ReplyPublic]


class CorrectionCreate(Input):
    """The intent a rep says is right."""

    intent: IntentName


class ClassifyRequest(Input):
    """A reply's text (quoted thread and signature may stay in: they are stripped) and when it was sent."""

    text: text(20_000, 1)
    sent_at: UtcTime | None = None


class ClassifyResult(Public):
    """The intent of a text, its confidence, what was extracted and what to do next."""

    intent: str
    confidence: float
    probabilities: dict[str, float]
    next_action: str
    advice: str
    extracted: dict[str, Any]
    cleaned_text: str
