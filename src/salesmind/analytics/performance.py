"""Rep and team performance over a period, and each rep's gaps to the top performers with significance.

Definitions (all over the period ``[start, end)``; outcomes are as the CRM holds them today):

* activities: rows of ``activities`` logged by the rep (``user_id``) in the period, by type; a week's count feeds
  *activities a week*.
* deals created: deals the rep owns created in the period. Won / lost / win rate: deals closed in the period, with
  the 95% Wilson interval (``conversations.coaching.win_rates``).
* cycle days: creation to close of the won deals; deal size: amount of the won deals; discount: ``discount_pct`` of
  the won deals.
* stage conversion: of the deals that entered stage *s* in the period and are resolved (moved on or closed), the
  share that reached a later stage or were won (``analytics.frames.stage_events`` and ``stage_order``).
* forecast accuracy: the period is cut at calendar quarter starts; in each window, of the deals open at its start
  whose expected close date, as ``opportunity_history`` held it then, falls in the window, the share won in it. Slip days: close date of the won deals minus the
  expected close date first recorded for them (positive = late).
* pipeline open now: amount and count of the rep's open deals today.
* top performers: ``conversations.coaching.top_performers`` over the period's won/lost counts of the whole sales
  team (top quartile by win rate among reps with at least ``min_closed`` closed deals).
* gaps: every metric of a rep against the pooled deals (or weeks) of the other top performers, with the tests of
  :mod:`salesmind.analytics.stats` and Benjamini-Hochberg across the rep's metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.analytics.frames import deal_frame, stage_events, stage_order
from salesmind.analytics.stats import ALPHA, Gap, compare_distributions, compare_proportions, judge
from salesmind.conversations.coaching import MIN_CLOSED, top_performers, win_rates
from salesmind.core.errors import NotFound, UserInputError
from salesmind.core.timeutil import ensure_utc, utcnow
from salesmind.data.models import Activity, OpportunityHistory, Role, Team, User
from salesmind.data.scope import Scope

WEEK = pd.Timedelta(days=7)


@dataclass(frozen=True)
class Metric:
    """A performance metric: key, label, which direction is better, proportion or continuous, unit."""

    key: str
    label: str
    higher_is_better: bool
    kind: str  # "proportion" or "continuous"
    unit: str = ""


METRICS: tuple[Metric, ...] = (
    Metric("win_rate", "Win rate", True, "proportion", "%"),
    Metric("forecast_accuracy", "Forecast accuracy", True, "proportion", "%"),
    Metric("won_amount", "Won deal size (median)", True, "continuous", "money"),
    Metric("cycle_days", "Cycle days to win (median)", False, "continuous", "days"),
    Metric("discount_pct", "Discount on won deals (median)", False, "continuous", "%pt"),
    Metric("activities_per_week", "Activities a week (median)", True, "continuous", ""),
)
SPECS = {m.key: m for m in METRICS}


def conversion_key(stage: str) -> str:
    """The metric key of a stage's conversion."""
    return f"conversion:{stage}"


def higher_is_better(key: str) -> bool:
    """True when a larger value of the metric is better (stage conversions always)."""
    return SPECS[key].higher_is_better if key in SPECS else True


def metric_label(key: str) -> str:
    """The label of a metric key (a stage conversion reads 'Conversion: discovery')."""
    if key.startswith("conversion:"):
        return f"Conversion past {key.split(':', 1)[1].replace('_', ' ')}"
    return SPECS[key].label


@dataclass
class RepSample:
    """The raw observations behind one rep's metrics in a period (lists are per deal or per week)."""

    won: int = 0
    lost: int = 0
    won_amounts: list[float] = field(default_factory=list)
    cycle_days: list[float] = field(default_factory=list)
    discounts: list[float] = field(default_factory=list)
    weekly_activities: list[float] = field(default_factory=list)
    forecast_hits: int = 0
    forecast_expected: int = 0
    slip_days: list[float] = field(default_factory=list)
    conversions: dict[str, tuple[int, int]] = field(default_factory=dict)  # stage -> (advanced, resolved)

    def merge(self, other: "RepSample") -> "RepSample":
        """The pooled sample of two reps."""
        conv = dict(self.conversions)
        for stage, (a, r) in other.conversions.items():
            a0, r0 = conv.get(stage, (0, 0))
            conv[stage] = (a0 + a, r0 + r)
        return RepSample(self.won + other.won, self.lost + other.lost, self.won_amounts + other.won_amounts,
                         self.cycle_days + other.cycle_days, self.discounts + other.discounts,
                         self.weekly_activities + other.weekly_activities, self.forecast_hits + other.forecast_hits,
                         self.forecast_expected + other.forecast_expected, self.slip_days + other.slip_days, conv)


@dataclass
class PeriodData:
    """Everything the period's metrics read, for the whole sales team (scope is applied to what is shown)."""

    start: pd.Timestamp
    end: pd.Timestamp
    now: pd.Timestamp
    users: pd.DataFrame  # user_id, name, email, role, team_id, team
    deals: pd.DataFrame  # analytics.frames.deal_frame
    events: pd.DataFrame  # analytics.frames.stage_events
    order: list[str]
    activities: pd.DataFrame  # user_id, type, occurred_at
    expected: pd.DataFrame  # deal_id, changed_at, expected_close_date

    @property
    def weeks(self) -> int:
        """Whole or partial weeks in the period."""
        return max(1, int(np.ceil((self.end - self.start) / WEEK)))


def check_period(start: datetime, end: datetime) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period as UTC timestamps; a naive time is read as UTC; an empty period is a user error."""
    s, e = (pd.Timestamp(ensure_utc(t, "UTC")) for t in (start, end))
    if e <= s:
        raise UserInputError(f"the period's end ({e.date()}) must be after its start ({s.date()})")
    return s, e


def load_period(session: Session, start: datetime, end: datetime, now: datetime | None = None) -> PeriodData:
    """Load deals, stage visits, activities and close-date history for the whole sales team."""
    s, e = check_period(start, end)
    deals = deal_frame(session, Scope.everything())
    events = stage_events(session, deals)
    users = pd.DataFrame([tuple(r) for r in session.execute(
        select(User.id, User.name, User.email, User.role, User.team_id, Team.name)
        .outerjoin(Team, Team.id == User.team_id).order_by(User.id)).all()],
        columns=["user_id", "name", "email", "role", "team_id", "team"])
    acts = pd.DataFrame([tuple(r) for r in session.execute(
        select(Activity.user_id, Activity.type, Activity.occurred_at)
        .where(Activity.user_id.is_not(None), Activity.occurred_at >= s.to_pydatetime(),
               Activity.occurred_at < e.to_pydatetime())).all()], columns=["user_id", "type", "occurred_at"])
    acts["occurred_at"] = pd.to_datetime(acts["occurred_at"], utc=True)
    acts["type"] = [str(getattr(t, "value", t)) for t in acts["type"]]
    expected = pd.DataFrame([tuple(r) for r in session.execute(
        select(OpportunityHistory.opportunity_id, OpportunityHistory.changed_at,
               OpportunityHistory.expected_close_date)
        .where(OpportunityHistory.expected_close_date.is_not(None))).all()],
        columns=["deal_id", "changed_at", "expected_close_date"])
    expected["changed_at"] = pd.to_datetime(expected["changed_at"], utc=True)
    expected = expected.sort_values(["deal_id", "changed_at"], kind="stable")
    return PeriodData(s, e, pd.Timestamp(now or utcnow()), users, deals, events, stage_order(events), acts, expected)


def _in(ts: pd.Series, data: PeriodData) -> pd.Series:
    return (ts >= data.start) & (ts < data.end)


def _conversions(data: PeriodData, deals: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Per open stage: (deals that moved past it, deals that entered it in the period and are resolved)."""
    rank = {s: i for i, s in enumerate(data.order)}
    ev = data.events[data.events["deal_id"].isin(deals["deal_id"])]
    if ev.empty:
        return {}
    outcome = deals.set_index("deal_id")["outcome"]
    ev = ev.assign(rank=ev["stage"].map(rank), outcome=ev["deal_id"].map(outcome))
    furthest = ev.groupby("deal_id")["rank"].max()
    entered = ev[ev["rank"].notna() & _in(ev["entered_at"], data)].drop_duplicates(["deal_id", "stage"])
    out = {}
    for stage in data.order:
        rows = entered[entered["stage"] == stage]
        advanced = (rows["deal_id"].map(furthest) > rank[stage]) | (rows["outcome"] == "won")
        resolved = advanced | (rows["outcome"] == "lost")
        if resolved.any():
            out[stage] = (int(advanced.sum()), int(resolved.sum()))
    return out


def _expected_at(data: PeriodData, when: pd.Timestamp) -> pd.Series:
    """Each deal's expected close date as the history held it at ``when`` (deal_id -> date)."""
    known = data.expected[data.expected["changed_at"] <= when]
    return known.groupby("deal_id")["expected_close_date"].last()


def forecast_windows(start: pd.Timestamp, end: pd.Timestamp) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The period cut at calendar quarter starts: the windows forecast accuracy is judged in."""
    cuts = [start] + [q for q in pd.date_range(start, end, freq="QS", inclusive="neither")] + [end]
    return list(zip(cuts[:-1], cuts[1:]))


def _forecast_hits(data: PeriodData, deals: pd.DataFrame) -> tuple[int, int]:
    """(won in their window, expected in it): per window, the deals open at its start whose expected close date,
    as the history held it then, falls in the window."""
    hits = due_total = 0
    for ws, we in forecast_windows(data.start, data.end):
        open_at = deals[(deals["created_at"] < ws) & (deals["closed_at"].isna() | (deals["closed_at"] >= ws))]
        expected = pd.to_datetime(open_at["deal_id"].map(_expected_at(data, ws)), errors="coerce")
        due = open_at[expected.between(ws.tz_localize(None), we.tz_localize(None), inclusive="left")]
        hits += int(((due["outcome"] == "won") & (due["closed_at"] < we)).sum())
        due_total += len(due)
    return hits, due_total


def rep_sample(data: PeriodData, user_id: int) -> RepSample:
    """The period's observations for one rep."""
    deals = data.deals[data.deals["owner_id"] == user_id]
    closed = deals[deals["outcome"].isin(["won", "lost"]) & _in(deals["closed_at"], data)]
    won = closed[closed["outcome"] == "won"]
    cycle = (won["closed_at"] - won["created_at"]).dt.total_seconds() / 86400
    acts = data.activities[data.activities["user_id"] == user_id]
    week = ((acts["occurred_at"] - data.start) // WEEK).astype(int)
    weekly = np.bincount(week.to_numpy(), minlength=data.weeks)[:data.weeks] if len(acts) else np.zeros(data.weeks)
    hits, due = _forecast_hits(data, deals)
    first = data.expected.groupby("deal_id")["expected_close_date"].first()
    promised = pd.to_datetime(won["deal_id"].map(first), errors="coerce")
    slip = (won["closed_at"].dt.tz_localize(None).dt.normalize() - promised).dt.days.dropna()
    return RepSample(int((closed["outcome"] == "won").sum()), int((closed["outcome"] == "lost").sum()),
                     won["amount"].dropna().tolist(), cycle.dropna().tolist(), won["discount_pct"].dropna().tolist(),
                     [float(v) for v in weekly], hits, due, [float(v) for v in slip],
                     _conversions(data, deals))


def rep_ids(data: PeriodData) -> list[int]:
    """The sales team: every rep, plus any other user who owns a deal."""
    owners = set(int(i) for i in data.deals["owner_id"].dropna())
    reps = data.users[(data.users["role"].map(lambda r: str(getattr(r, "value", r))) == Role.REP.value)
                      | data.users["user_id"].isin(owners)]
    return [int(i) for i in reps["user_id"]]


def samples(data: PeriodData) -> dict[int, RepSample]:
    """Every sales rep's sample."""
    return {uid: rep_sample(data, uid) for uid in rep_ids(data)}


def top_set(all_samples: dict[int, RepSample], min_closed: int = MIN_CLOSED) -> set[int]:
    """The period's top performers (coaching's rule on the period's won/lost counts)."""
    return top_performers(win_rates({u: (s.won, s.lost) for u, s in all_samples.items()}), min_closed)


def top_pool(all_samples: dict[int, RepSample], top: set[int], exclude: int | None = None) -> RepSample:
    """The pooled observations of the top performers other than ``exclude``."""
    pool = RepSample()
    for uid in sorted(top - {exclude}):
        pool = pool.merge(all_samples[uid])
    return pool


def rep_gaps(rep: RepSample, pool: RepSample, stages: Sequence[str], *, with_ci: bool = True,
             alpha: float = ALPHA) -> list[Gap]:
    """Every metric of the rep against the pool, tested, BH-corrected across the rep's metrics and judged."""
    gaps = [
        compare_proportions("win_rate", rep.won, rep.won + rep.lost, pool.won, pool.won + pool.lost),
        compare_proportions("forecast_accuracy", rep.forecast_hits, rep.forecast_expected, pool.forecast_hits,
                            pool.forecast_expected),
        compare_distributions("won_amount", rep.won_amounts, pool.won_amounts, with_ci=with_ci),
        compare_distributions("cycle_days", rep.cycle_days, pool.cycle_days, with_ci=with_ci),
        compare_distributions("discount_pct", rep.discounts, pool.discounts, with_ci=with_ci),
        compare_distributions("activities_per_week", rep.weekly_activities, pool.weekly_activities, with_ci=with_ci),
    ]
    for stage in stages:
        a, r = rep.conversions.get(stage, (0, 0))
        pa, pr = pool.conversions.get(stage, (0, 0))
        gaps.append(compare_proportions(conversion_key(stage), a, r, pa, pr))
    return judge(gaps, {g.metric: higher_is_better(g.metric) for g in gaps}, alpha)


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if len(values) else None


def _median(values: Sequence[float]) -> float | None:
    return float(np.median(values)) if len(values) else None


def gap_marker(is_top: bool, gaps: Sequence[Gap]) -> str:
    """The team table's one-word summary: top performer, the significant gaps, or none."""
    if is_top:
        return "top performer"
    behind = [metric_label(g.metric).lower() for g in gaps if g.verdict == "behind"]
    if behind:
        return "behind on " + ", ".join(behind)
    return "no significant gap"


def rep_row(data: PeriodData, uid: int, s: RepSample, is_top: bool, gaps: Sequence[Gap]) -> dict:
    """The team table row of one rep."""
    user = data.users.set_index("user_id").loc[uid]
    rate = win_rates({uid: (s.won, s.lost)}).get(uid)
    deals = data.deals[data.deals["owner_id"] == uid]
    open_now = deals[deals["outcome"] == "open"]
    acts = data.activities[data.activities["user_id"] == uid]
    return {
        "user_id": uid, "name": user["name"], "email": user["email"],
        "team_id": None if pd.isna(user["team_id"]) else int(user["team_id"]),
        "team": None if pd.isna(user["team"]) else user["team"],
        "activities": int(len(acts)), "activities_by_type": acts["type"].value_counts().sort_index().to_dict(),
        "activities_per_week": len(acts) / data.weeks,
        "deals_created": int(_in(deals["created_at"], data).sum()),
        "won": s.won, "lost": s.lost, "closed": s.won + s.lost,
        "win_rate": rate.rate if rate else None, "win_low": rate.low if rate else None,
        "win_high": rate.high if rate else None,
        "avg_won_amount": _mean(s.won_amounts), "median_cycle_days": _median(s.cycle_days),
        "avg_discount_won": _mean(s.discounts),
        "pipeline_open": float(open_now["amount"].fillna(0).sum()), "open_deals": int(len(open_now)),
        "forecast_accuracy": s.forecast_hits / s.forecast_expected if s.forecast_expected else None,
        "forecast_expected": s.forecast_expected, "median_slip_days": _median(s.slip_days),
        "is_top": is_top, "gaps": sum(g.verdict == "behind" for g in gaps), "gap": gap_marker(is_top, gaps),
        "gap_metrics": [g.metric for g in gaps if g.verdict == "behind"],
    }


def team_table(session: Session, scope: Scope, start: datetime, end: datetime,
               min_closed: int = MIN_CLOSED) -> list[dict]:
    """One row per rep in scope for the period: activity, deals, win rate (Wilson), size, cycle, discount,
    open pipeline, forecast accuracy, top-performer flag and the significant gaps (``gap``) to the top performers.
    """
    data = load_period(session, start, end)
    all_samples = samples(data)
    top = top_set(all_samples, min_closed)
    rows = []
    for uid, s in all_samples.items():
        if not scope.can_see(uid):
            continue
        gaps = [] if uid in top and len(top) == 1 else rep_gaps(s, top_pool(all_samples, top, uid), data.order,
                                                                with_ci=False)
        rows.append(rep_row(data, uid, s, uid in top, gaps))
    rows.sort(key=lambda r: (r["team"] or "", r["name"]))
    return rows


def visible_rep(session: Session, scope: Scope, user_id: int) -> User:
    """The user, when the scope may see them (NotFound otherwise)."""
    user = session.get(User, user_id)
    if user is None or not scope.can_see(user_id):
        raise NotFound("rep not found")
    return user


DEFAULT_DAYS = 365


def period(start: date | None = None, end: date | None = None, days: int = DEFAULT_DAYS) -> tuple[datetime, datetime]:
    """The analysis period as UTC datetimes: ``end`` defaults to tomorrow (today included), ``start`` to ``days``
    before ``end``; a start not before the end is a user error."""
    last = end or (utcnow().date() + timedelta(days=1))
    first = start or (last - timedelta(days=days))
    if first >= last:
        raise UserInputError(f"the start ({first}) must be before the end ({last})")
    if first.year < 1970 or last.year > 2200:
        raise UserInputError("the period must lie between 1970 and 2200")
    return (datetime.combine(first, time.min, tzinfo=UTC), datetime.combine(last, time.min, tzinfo=UTC))
