"""Coaching over REST: each rep's metrics against the top performers and the references, items, strengths."""

from __future__ import annotations

from pydantic import BaseModel


class WinRatePublic(BaseModel):
    """Closed deals, the win rate and its 95% Wilson interval."""

    won: int
    lost: int
    rate: float
    low: float
    high: float


class MetricPublic(BaseModel):
    """One metric: the distribution over the rep's calls, the top performers' mean, the test and the verdict."""

    metric: str
    label: str
    n: int
    mean: float | None
    p25: float | None
    median: float | None
    p75: float | None
    top_mean: float | None
    gap: float | None
    p_value: float | None
    effect: float | None
    verdict: str
    sample: str
    reference: str | None


class MomentPublic(BaseModel):
    """A moment of a call to listen to: seconds from the start and a short quote."""

    call_id: int
    title: str | None
    at_seconds: float
    quote: str


class ItemPublic(BaseModel):
    """Something to work on (or a strength), with why and where."""

    metric: str
    label: str
    rep_value: str
    target: str
    reason: str
    priority: float
    moments: list[MomentPublic]


class RepCoachingPublic(BaseModel):
    """One rep's coaching report."""

    user_id: int
    name: str
    email: str
    calls: int
    win: WinRatePublic | None
    is_top: bool
    metrics: list[MetricPublic]
    work_on: list[ItemPublic]
    strengths: list[ItemPublic]


class TeamCoachingPublic(BaseModel):
    """Every visible rep with analysed calls, and how many top performers the comparison uses."""

    top_count: int
    min_closed: int
    reps: list[RepCoachingPublic]
