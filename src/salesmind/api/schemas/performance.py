"""Performance analytics answers: the team table, one rep's gaps to the top performers, a change's impact."""

from __future__ import annotations

from pydantic import BaseModel


class PeriodMetrics(BaseModel):
    """The metric columns shared by a rep's row and a team's row (docs/analytics-performance.md)."""

    activities: int
    activities_by_type: dict[str, int]
    activities_per_week: float
    deals_created: int
    won: int
    lost: int
    closed: int
    win_rate: float | None
    win_low: float | None
    win_high: float | None
    avg_won_amount: float | None
    median_cycle_days: float | None
    avg_discount_won: float | None
    pipeline_open: float
    open_deals: int
    forecast_accuracy: float | None
    forecast_expected: int
    median_slip_days: float | None


class TeamRow(PeriodMetrics):
    """One rep over the period (see docs/analytics-performance.md for each definition)."""

    user_id: int
    name: str
    email: str
    team_id: int | None
    team: str | None
    is_top: bool
    gaps: int
    gap: str
    gap_metrics: list[str]


class TeamSummary(PeriodMetrics):
    """One team of the visible reps: their pooled deals and weeks (activities a week are per rep)."""

    team_id: int | None
    team: str
    reps: int
    top_performers: int


class TeamPerformance(BaseModel):
    """Every visible rep over ``[start, end)``, and their teams."""

    start: str
    end: str
    reps: list[TeamRow]
    teams: list[TeamSummary]


class GapPublic(BaseModel):
    """A metric of the rep against the top performers: the difference with its 95% interval, test, p, BH q."""

    metric: str
    label: str
    rep_value: float | None
    top_value: float | None
    n_rep: int
    n_top: int
    diff: float | None
    ci_low: float | None
    ci_high: float | None
    p: float | None
    q: float | None
    test: str
    verdict: str
    higher_is_better: bool


class StageConversion(BaseModel):
    """Share of resolved deals that moved past a stage: the rep and the whole team."""

    stage: str
    rep: float | None
    rep_n: int
    team: float | None
    team_n: int


class QuarterWinRate(BaseModel):
    """Win rate of deals closed in a quarter: the rep and the whole team."""

    quarter: str
    rep: float | None
    rep_n: int
    team: float
    team_n: int


class RepPerformance(BaseModel):
    """One rep's report."""

    rep: TeamRow
    name: str
    start: str
    end: str
    top_count: int
    top_is_self_only: bool
    min_closed: int
    gaps: list[GapPublic]
    stages: list[StageConversion]
    win_rate_by_quarter: list[QuarterWinRate]
    has_calls: bool


class CellPublic(BaseModel):
    """A group in a period: units and their mean."""

    n: int
    mean: float | None


class ImpactPublic(BaseModel):
    """Baseline versus after for a change (difference in differences when a control group exists)."""

    metric: str
    change: str
    window_days: int
    treated_before: CellPublic
    treated_after: CellPublic
    control_before: CellPublic
    control_after: CellPublic
    method: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    permutation_p: float | None
    permutations: int
    placebo_estimate: float | None
    placebo_ci: tuple[float, float] | None
    odds_ratio: float | None
    odds_ratio_ci: tuple[float, float] | None
    odds_ratio_p: float | None
    note: str
