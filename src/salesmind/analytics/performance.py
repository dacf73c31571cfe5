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
from itertools import pairwise

import numpy as np
import pandas as pd
from sqlalchemy import func, select
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
    deals_created: int = 0
    open_deals: int = 0
    pipeline_open: float = 0.0
    activities_by_type: dict[str, int] = field(default_factory=dict)

    def merge(self, other: RepSample) -> RepSample:
        """The pooled sample of two reps."""
        conv = dict(self.conversions)
        for stage, (a, r) in other.conversions.items():
            a0, r0 = conv.get(stage, (0, 0))
            conv[stage] = (a0 + a, r0 + r)
        types = dict(self.activities_by_type)
        for t, n in other.activities_by_type.items():
            types[t] = types.get(t, 0) + n
        return RepSample(self.won + other.won, self.lost + other.lost, self.won_amounts + other.won_amounts,
                         self.cycle_days + other.cycle_days, self.discounts + other.discounts,
                         self.weekly_activities + other.weekly_activities, self.forecast_hits + other.forecast_hits,
                         self.forecast_expected + other.forecast_expected, self.slip_days + other.slip_days, conv,
                         self.deals_created + other.deals_created, self.open_deals + other.open_deals,
                         self.pipeline_open + other.pipeline_open, types)


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
    activities: pd.DataFrame  # user_id, type, occurred_at (UTC day), n (activities that day)
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


def _activity_counts(session: Session, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Activities logged by a user in the period, counted per user, type and UTC day (n)."""
    at = Activity.occurred_at
    if session.get_bind().dialect.name == "postgresql":  # timestamptz: take the UTC day, not the session zone's
        at = func.timezone("UTC", at)
    day = func.date(at)
    rows = session.execute(
        select(Activity.user_id, Activity.type, day, func.count())
        .where(Activity.user_id.is_not(None), Activity.occurred_at >= start.to_pydatetime(),
               Activity.occurred_at < end.to_pydatetime())
        .group_by(Activity.user_id, Activity.type, day)).all()
    acts = pd.DataFrame([tuple(r) for r in rows], columns=["user_id", "type", "occurred_at", "n"])
    acts["occurred_at"] = pd.to_datetime(acts["occurred_at"].astype(str), utc=True)
    acts["type"] = [str(getattr(t, "value", t)) for t in acts["type"]]
    acts["user_id"] = acts["user_id"].astype(int)
    acts["n"] = acts["n"].astype(int)
    return acts


def _close_date_history(session: Session, deal_ids: list[int]) -> pd.DataFrame:
    """The expected close date history of the deals, oldest first per deal."""
    rows: list[tuple] = []
    for chunk in range(0, len(deal_ids), 5000):
        rows += [tuple(r) for r in session.execute(
            select(OpportunityHistory.opportunity_id, OpportunityHistory.changed_at,
                   OpportunityHistory.expected_close_date)
            .where(OpportunityHistory.opportunity_id.in_(deal_ids[chunk:chunk + 5000]),
                   OpportunityHistory.expected_close_date.is_not(None))).all()]
    expected = pd.DataFrame(rows, columns=["deal_id", "changed_at", "expected_close_date"])
    expected["changed_at"] = pd.to_datetime(expected["changed_at"], utc=True)
    return expected.sort_values(["deal_id", "changed_at"], kind="stable").reset_index(drop=True)


def load_period(session: Session, start: datetime, end: datetime, now: datetime | None = None) -> PeriodData:
    """Load deals, stage visits, activities and close-date history for the whole sales team.

    Stage visits and close-date history are read only for the deals alive in the period (created before its end,
    not closed before its start); ``deals`` keeps every deal (win rate by quarter, pipeline open now).
    """
    s, e = check_period(start, end)
    deals = deal_frame(session, Scope.everything())
    alive = deals[(deals["created_at"] < e) & (deals["closed_at"].isna() | (deals["closed_at"] >= s))]
    events = stage_events(session, alive)
    users = pd.DataFrame([tuple(r) for r in session.execute(
        select(User.id, User.name, User.email, User.role, User.team_id, Team.name)
        .outerjoin(Team, Team.id == User.team_id).order_by(User.id)).all()],
        columns=["user_id", "name", "email", "role", "team_id", "team"])
    expected = _close_date_history(session, [int(i) for i in alive["deal_id"]])
    order = stage_order(events) if len(events) else []  # stage_order cannot index an empty frame
    return PeriodData(s, e, pd.Timestamp(now or utcnow()), users, deals, events, order,
                      _activity_counts(session, s, e), expected)


def _in(ts: pd.Series, data: PeriodData) -> pd.Series:
    return (ts >= data.start) & (ts < data.end)


def _conversions(data: PeriodData, deals: pd.DataFrame) -> dict[int, dict[str, tuple[int, int]]]:
    """Per owner and open stage: (deals that moved past it, deals that entered it in the period and are resolved)."""
    rank = {s: i for i, s in enumerate(data.order)}
    ev = data.events[data.events["deal_id"].isin(deals["deal_id"])]
    if ev.empty:
        return {}
    info = deals.set_index("deal_id")
    ev = ev.assign(rank=ev["stage"].map(rank), outcome=ev["deal_id"].map(info["outcome"]),
                   owner_id=ev["deal_id"].map(info["owner_id"]))
    furthest = ev.groupby("deal_id")["rank"].max()
    entered = ev[ev["rank"].notna() & ev["owner_id"].notna() & _in(ev["entered_at"], data)]
    entered = entered.drop_duplicates(["deal_id", "stage"])
    advanced = (entered["deal_id"].map(furthest) > entered["rank"]) | (entered["outcome"] == "won")
    resolved = advanced | (entered["outcome"] == "lost")
    counts = pd.DataFrame({"owner_id": entered["owner_id"].astype(int), "stage": entered["stage"],
                           "advanced": advanced.astype(int), "resolved": resolved.astype(int)})
    totals = counts.groupby(["owner_id", "stage"])[["advanced", "resolved"]].sum()
    out: dict[int, dict[str, tuple[int, int]]] = {}
    for (owner, stage), row in totals.iterrows():
        if row["resolved"]:
            out.setdefault(int(owner), {})[stage] = (int(row["advanced"]), int(row["resolved"]))
    return {o: {s: v[s] for s in data.order if s in v} for o, v in out.items()}


def _expected_at(data: PeriodData, when: pd.Timestamp) -> pd.Series:
    """Each deal's expected close date as the history held it at ``when`` (deal_id -> date)."""
    known = data.expected[data.expected["changed_at"] <= when]
    return known.groupby("deal_id")["expected_close_date"].last()


def forecast_windows(start: pd.Timestamp, end: pd.Timestamp) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The period cut at calendar quarter starts: the windows forecast accuracy is judged in."""
    cuts = [start, *pd.date_range(start, end, freq="QS", inclusive="neither"), end]
    return list(pairwise(cuts))


def _forecast_hits(data: PeriodData, deals: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per owner (won in their window, expected in it): per window, the deals open at its start whose expected close
    date, as the history held it then, falls in the window."""
    hits, due_total = [], []
    for ws, we in forecast_windows(data.start, data.end):
        open_at = deals[(deals["created_at"] < ws) & (deals["closed_at"].isna() | (deals["closed_at"] >= ws))]
        expected = pd.to_datetime(open_at["deal_id"].map(_expected_at(data, ws)), errors="coerce")
        due = open_at[expected.between(ws.tz_localize(None), we.tz_localize(None), inclusive="left")]
        hit = (due["outcome"] == "won") & (due["closed_at"] < we)
        hits.append(hit.groupby(due["owner_id"]).sum())
        due_total.append(due.groupby("owner_id").size())
    add = lambda parts: pd.concat(parts).groupby(level=0).sum() if parts else pd.Series(dtype=int)
    return add(hits), add(due_total)


def _lists(values: pd.Series, owners: pd.Series) -> dict[int, list[float]]:
    """Non-missing values grouped by owner."""
    keep = values.notna() & owners.notna()
    return {int(k): [float(v) for v in g] for k, g in values[keep].groupby(owners[keep].astype(int))}


def samples(data: PeriodData, user_ids: Sequence[int] | None = None) -> dict[int, RepSample]:
    """The period's observations for each rep (every sales rep when ``user_ids`` is None), computed in one pass."""
    ids = rep_ids(data) if user_ids is None else [int(u) for u in user_ids]
    deals = data.deals[data.deals["owner_id"].isin(ids)]
    closed = deals[deals["outcome"].isin(["won", "lost"]) & _in(deals["closed_at"], data)]
    won = closed[closed["outcome"] == "won"]
    counts = closed.groupby(["owner_id", "outcome"]).size()
    cycle = (won["closed_at"] - won["created_at"]).dt.total_seconds() / 86400
    amounts, cycles = _lists(won["amount"], won["owner_id"]), _lists(cycle, won["owner_id"])
    discounts = _lists(won["discount_pct"], won["owner_id"])
    acts = data.activities[data.activities["user_id"].isin(ids)]
    week = ((acts["occurred_at"] - data.start) // WEEK).astype(int)
    weekly = pd.crosstab(acts["user_id"], week, values=acts["n"], aggfunc="sum").fillna(0)
    weekly = weekly.reindex(columns=range(data.weeks), fill_value=0)
    hits, due = _forecast_hits(data, deals)
    first = data.expected.groupby("deal_id")["expected_close_date"].first()
    promised = pd.to_datetime(won["deal_id"].map(first), errors="coerce")
    slips = _lists((won["closed_at"].dt.tz_localize(None).dt.normalize() - promised).dt.days, won["owner_id"])
    conversions = _conversions(data, deals)
    created = deals[_in(deals["created_at"], data)].groupby("owner_id").size()
    open_now = deals[deals["outcome"] == "open"]
    pipeline = open_now["amount"].fillna(0).groupby(open_now["owner_id"]).agg(["sum", "size"])
    by_type = acts.groupby(["user_id", "type"])["n"].sum()
    out = {}
    for uid in ids:
        week_counts = weekly.loc[uid].tolist() if uid in weekly.index else [0] * data.weeks
        out[uid] = RepSample(int(counts.get((uid, "won"), 0)), int(counts.get((uid, "lost"), 0)),
                             amounts.get(uid, []), cycles.get(uid, []), discounts.get(uid, []),
                             [float(v) for v in week_counts], int(hits.get(uid, 0)), int(due.get(uid, 0)),
                             slips.get(uid, []), conversions.get(uid, {}), int(created.get(uid, 0)),
                             int(pipeline["size"].get(uid, 0)), float(pipeline["sum"].get(uid, 0.0)),
                             {str(t): int(n) for t, n in by_type[uid].sort_index().items()}
                             if uid in by_type.index.get_level_values(0) else {})
    return out


def rep_sample(data: PeriodData, user_id: int) -> RepSample:
    """The period's observations for one rep."""
    return samples(data, [user_id])[user_id]


def rep_ids(data: PeriodData) -> list[int]:
    """The sales team: every rep, plus any other user who owns a deal."""
    owners = {int(i) for i in data.deals["owner_id"].dropna()}
    reps = data.users[(data.users["role"].map(lambda r: str(getattr(r, "value", r))) == Role.REP.value)
                      | data.users["user_id"].isin(owners)]
    return [int(i) for i in reps["user_id"]]


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
        compare_proportions("win_rate", rep.won, rep.won + rep.lost, pool.won, pool.won + pool.lost,
                            with_ci=with_ci),
        compare_proportions("forecast_accuracy", rep.forecast_hits, rep.forecast_expected, pool.forecast_hits,
                            pool.forecast_expected, with_ci=with_ci),
        compare_distributions("won_amount", rep.won_amounts, pool.won_amounts, with_ci=with_ci),
        compare_distributions("cycle_days", rep.cycle_days, pool.cycle_days, with_ci=with_ci),
        compare_distributions("discount_pct", rep.discounts, pool.discounts, with_ci=with_ci),
        compare_distributions("activities_per_week", rep.weekly_activities, pool.weekly_activities, with_ci=with_ci),
    ]
    for stage in stages:
        a, r = rep.conversions.get(stage, (0, 0))
        pa, pr = pool.conversions.get(stage, (0, 0))
        gaps.append(compare_proportions(conversion_key(stage), a, r, pa, pr, with_ci=with_ci))
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
    return {
        "user_id": uid, "name": user["name"], "email": user["email"],
        "team_id": None if pd.isna(user["team_id"]) else int(user["team_id"]),
        "team": None if pd.isna(user["team"]) else user["team"],
        **sample_metrics(s, data.weeks),
        "is_top": is_top, "gaps": sum(g.verdict == "behind" for g in gaps), "gap": gap_marker(is_top, gaps),
        "gap_metrics": [g.metric for g in gaps if g.verdict == "behind"],
    }


def sample_metrics(s: RepSample, weeks: int, reps: int = 1) -> dict:
    """The table's metric columns of a rep's (or a pooled team's) sample; activities a week are per rep."""
    rate = win_rates({0: (s.won, s.lost)}).get(0)
    activities = sum(s.activities_by_type.values())
    return {
        "activities": activities, "activities_by_type": dict(s.activities_by_type),
        "activities_per_week": activities / weeks / max(reps, 1), "deals_created": s.deals_created,
        "won": s.won, "lost": s.lost, "closed": s.won + s.lost,
        "win_rate": rate.rate if rate else None, "win_low": rate.low if rate else None,
        "win_high": rate.high if rate else None,
        "avg_won_amount": _mean(s.won_amounts), "median_cycle_days": _median(s.cycle_days),
        "avg_discount_won": _mean(s.discounts),
        "pipeline_open": s.pipeline_open, "open_deals": s.open_deals,
        "forecast_accuracy": s.forecast_hits / s.forecast_expected if s.forecast_expected else None,
        "forecast_expected": s.forecast_expected, "median_slip_days": _median(s.slip_days),
    }


def performance_tables(session: Session, scope: Scope, start: datetime, end: datetime,
                       min_closed: int = MIN_CLOSED) -> tuple[list[dict], list[dict]]:
    """The rep rows of :func:`team_table` and one row per team of the visible reps (their pooled deals and weeks)."""
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
    teams: dict[object, list[dict]] = {}
    for r in rows:
        teams.setdefault(r["team_id"], []).append(r)
    summary = []
    for team_id, members in teams.items():
        pooled = top_pool(all_samples, {m["user_id"] for m in members})
        summary.append({"team_id": team_id, "team": members[0]["team"] or "No team", "reps": len(members),
                        "top_performers": sum(m["is_top"] for m in members),
                        **sample_metrics(pooled, data.weeks, len(members))})
    return rows, summary


def team_table(session: Session, scope: Scope, start: datetime, end: datetime,
               min_closed: int = MIN_CLOSED) -> list[dict]:
    """One row per rep in scope for the period: activity, deals, win rate (Wilson), size, cycle, discount,
    open pipeline, forecast accuracy, top-performer flag and the significant gaps (``gap``) to the top performers.
    """
    return performance_tables(session, scope, start, end, min_closed)[0]


def visible_rep(session: Session, scope: Scope, user_id: int) -> User:
    """The user, when the scope may see them (NotFound otherwise)."""
    user = session.get(User, user_id)
    if user is None or not scope.can_see(user_id):
        raise NotFound("rep not found")
    return user


DEFAULT_DAYS = 365


def period(start: date | None = None, end: date | None = None, days: int = DEFAULT_DAYS,
           today: date | None = None) -> tuple[datetime, datetime]:
    """The analysis period as UTC datetimes: ``end`` defaults to tomorrow (``today`` included, the real date when
    None), ``start`` to ``days`` before ``end``; a start not before the end is a user error."""
    for day in (start, end):
        if day is not None and not 1970 <= day.year <= 2200:
            raise UserInputError(f"{day} is outside 1970-2200")
    last = end or ((today or utcnow().date()) + timedelta(days=1))
    first = start or (last - timedelta(days=days))
    if first >= last:
        raise UserInputError(f"the start ({first}) must be before the end ({last})")
    return (datetime.combine(first, time.min, tzinfo=UTC), datetime.combine(last, time.min, tzinfo=UTC))
