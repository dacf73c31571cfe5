"""Deal health: a deal's health panel, the risk list, the refresh request, and notifications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from salesmind.api.schemas.common import Input, Public, UtcTime

Severity = Literal["high", "medium", "low"]


class RedFlagPublic(BaseModel):
    """A named risk: its code, severity, a sentence with numbers, and the evidence."""

    code: str
    severity: Severity
    message: str
    evidence: dict[str, Any]


class HealthPointPublic(BaseModel):
    """The score at one refresh."""

    as_of: datetime
    score: float
    grade: str


class SentimentPointPublic(BaseModel):
    """The prospect's VADER sentiment in one call or inbound email."""

    at: datetime
    source: Literal["call", "email"]
    score: float = Field(ge=-1, le=1)


class DealHealthPublic(BaseModel):
    """One deal's current health, its history and the sentiment series (``None`` fields before a refresh)."""

    opportunity_id: int
    as_of: datetime | None
    score: float | None = Field(description="0-100, higher is healthier")
    grade: str | None
    flags: list[RedFlagPublic]
    history: list[HealthPointPublic]
    sentiment: list[SentimentPointPublic]
    signals: dict[str, Any]


class RiskPublic(BaseModel):
    """An open deal in the risk list; ``risk`` is amount x (100 - score) / 100."""

    opportunity_id: int
    name: str
    owner_id: int | None
    owner: str | None
    stage: str
    amount: float | None
    currency: str
    expected_close_date: date | None
    score: float
    grade: str
    flags: list[RedFlagPublic]
    risk: float
    as_of: datetime


class HealthRefreshCreate(Input):
    """Assess every open deal as of ``as_of`` (default now) and send new alerts."""

    as_of: UtcTime | None = None


class HealthRefreshPublic(BaseModel):
    """What a refresh did."""

    as_of: datetime
    deals: int
    grades: dict[str, int]
    flags: dict[str, int]
    notifications: int


class NotificationPublic(Public):
    """A message for the caller, with a link to act on."""

    id: int
    created_at: datetime
    kind: str
    title: str
    body: str | None
    link: str | None
    opportunity_id: int | None
    read_at: datetime | None
