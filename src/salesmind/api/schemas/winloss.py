"""Win/loss analysis and battle cards over REST: competitor and loss-reason tables, one competitor's card."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from salesmind.analytics.winloss_stats import NumericEffect


class FactorPublic(BaseModel):
    """One factor compared between won and lost deals: the condition, both win rates, effect sizes, the test."""

    factor: str
    label: str
    kind: str
    condition: str
    other: str
    sentence: str
    won_in: int
    n_in: int
    won_out: int
    n_out: int
    rate_in: float | None
    rate_out: float | None
    rate_diff: float | None
    rate_diff_low: float | None
    rate_diff_high: float | None
    odds_ratio: float | None
    or_low: float | None
    or_high: float | None
    share_won: float | None
    share_lost: float | None
    median_won: float | None
    median_lost: float | None
    median_diff: float | None
    median_diff_low: float | None
    median_diff_high: float | None
    cliffs_delta: float | None
    test: str
    p_value: float | None
    q_value: float | None
    significant: bool
    outcome_bound: bool


class CompetitorPublic(BaseModel):
    """A competitor's closed deals: win rate (Wilson 95%), gap to the rest (Newcombe 95%), adjusted odds ratio."""

    competitor: str
    label: str
    closed: int
    won: int
    win_rate: float
    win_rate_low: float
    win_rate_high: float
    rest_win_rate: float | None
    diff_vs_rest: float | None
    diff_low: float | None
    diff_high: float | None
    fisher_p: float | None
    adjusted_odds_ratio: float | None
    adjusted_or_low: float | None
    adjusted_or_high: float | None
    adjusted_p: float | None
    sufficient: bool


class LossReasonPublic(BaseModel):
    """A loss reason: its losses, their share, by competitor, and the factors that set them apart from wins."""

    reason: str
    lost: int
    share: float
    by_competitor: dict[str, int]
    top_factors: list[str]
    factors: list[FactorPublic]


class ModelPublic(BaseModel):
    """The adjusted model: its kind, what it adjusts for, the rows it was fitted on, a note when it failed."""

    kind: str
    adjusted_for: list[str]
    rows: int
    note: str


class WinLossPublic(BaseModel):
    """Deals closed in the period: the overall win rate, per competitor and per loss reason."""

    since: date | None
    until: date | None
    closed: int
    won: int
    win_rate: float | None
    win_rate_low: float | None
    win_rate_high: float | None
    competitors: list[CompetitorPublic]
    loss_reasons: list[LossReasonPublic]
    model: ModelPublic


class QuarterPublic(BaseModel):
    """Closed deals, wins and win rate in one calendar quarter."""

    quarter: str
    closed: int
    won: int
    rate: float


class ReasonSharePublic(BaseModel):
    """A loss reason's share of the losses to this competitor, against its share of all losses."""

    reason: str
    lost: int
    share: float
    share_overall: float


class LostAtPublic(BaseModel):
    """Losses at one stage (the last open stage the deal reached)."""

    stage: str
    lost: int


class CardDealPublic(BaseModel):
    """A closed deal against the competitor."""

    deal_id: int
    name: str | None
    account: str | None
    owner: str | None
    outcome: str
    amount: float | None
    discount_pct: float | None
    loss_reason: str | None
    closed_at: str


class BattleCardPublic(BaseModel):
    """One competitor's battle card (``sufficient`` is false below ``minimum_closed`` closed deals)."""

    competitor: str
    label: str
    since: date | None
    until: date | None
    sufficient: bool
    minimum_closed: int
    headline: CompetitorPublic
    overall_win_rate: float | None
    overall_low: float | None
    overall_high: float | None
    model: ModelPublic
    trend: list[QuarterPublic]
    overall_trend: list[QuarterPublic]
    where_we_win: list[FactorPublic]
    where_we_lose: list[FactorPublic]
    factors: list[FactorPublic]
    loss_reasons: list[ReasonSharePublic]
    discount: NumericEffect
    lost_at: list[LostAtPublic]
    deals: list[CardDealPublic]
