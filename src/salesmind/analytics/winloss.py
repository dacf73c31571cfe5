"""Win/loss analysis: which deal factors differ between won and lost deals.

:func:`closed_deals` turns the scoped :func:`~salesmind.analytics.frames.deal_frame` into one row per
closed deal with the factors compared (size, industry, segment, source, stakeholders, discount,
cycle length, stage reached, and the topics its analysed calls mention). :func:`compare_factors`
tests each factor between the won and lost deals of a group (a competitor's deals, or the wins and
one loss reason's losses) with the effect sizes of :mod:`salesmind.analytics.winloss_stats`, and
adjusts the p-values with Benjamini-Hochberg across the group's factors.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.analytics.frames import deal_frame, is_closed_stage, stage_events, stage_order
from salesmind.analytics.winloss_stats import (
    ALPHA,
    NumericEffect,
    RateEffect,
    bh_qvalues,
    numeric_effect,
    rate_effect,
)
from salesmind.core.errors import UserInputError
from salesmind.data.models import Call, CallAnalysis
from salesmind.data.scope import Scope

#: Fewer closed deals than this and a card says the data are insufficient.
MIN_CLOSED = 10
#: A categorical level (or its complement) needs this many closed deals to be tested.
MIN_LEVEL = 5
NO_COMPETITOR = ""
NUMERIC_FACTORS = {"amount": "deal size", "discount_pct": "discount (%)", "stakeholders": "stakeholders",
                   "cycle_days": "cycle length (days)", "stage_reached": "stage reached"}
CATEGORICAL_FACTORS = {"industry": "industry", "segment": "segment", "source": "source"}
#: Factors the outcome shapes, shown but left out of the tests' family and of the advice: won deals reach
#: every stage, and deals lost early close early (a short cycle describes when a deal was lost, not why).
OUTCOME_BOUND = frozenset({"stage_reached", "cycle_days"})


@dataclass(frozen=True)
class Factor:
    """One factor compared between won and lost deals, with the condition it is phrased by."""

    factor: str
    label: str
    kind: str
    condition: str
    other: str
    rate: RateEffect
    numeric: NumericEffect | None
    test: str
    p_value: float | None
    q_value: float | None
    outcome_bound: bool = False

    @property
    def significant(self) -> bool:
        """True when the Benjamini-Hochberg q-value is below 0.05 (never for outcome-bound factors)."""
        return not self.outcome_bound and self.q_value is not None and self.q_value < ALPHA

    @property
    def share_won(self) -> float | None:
        """Share of the won deals inside the condition."""
        won = self.rate.won_in + self.rate.won_out
        return self.rate.won_in / won if won else None

    @property
    def share_lost(self) -> float | None:
        """Share of the lost deals inside the condition."""
        lost_in = self.rate.n_in - self.rate.won_in
        lost = lost_in + self.rate.n_out - self.rate.won_out
        return lost_in / lost if lost else None

    def sentence(self) -> str:
        """The factor in plain words: 'we win 58% when ... vs 31% when ...'."""
        r = self.rate
        text = f"we win {_pct(r.rate_in)} when {self.condition} ({r.n_in} deals) vs {_pct(r.rate_out)} when " \
               f"{self.other} ({r.n_out})"
        if self.numeric is not None and self.numeric.median_won is not None and self.numeric.median_lost is not None:
            text += f"; median {_num(self.numeric.median_won)} in wins vs {_num(self.numeric.median_lost)} in losses"
        return text


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}".rstrip("0").rstrip(".")


def period_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """UTC datetimes for a closed-date period (``until`` inclusive); a reversed period is a user error."""
    for name, day in (("since", since), ("until", until)):
        if day is not None and not 1900 <= day.year <= 2200:
            raise UserInputError(f"{name} must be a date between 1900 and 2200, not {day}.")
    if since and until and since > until:
        raise UserInputError(f"since ({since}) is after until ({until}).")
    start = datetime.combine(since, time.min, tzinfo=UTC) if since else None
    end = datetime.combine(until, time.max, tzinfo=UTC) if until else None
    return start, end


def deal_topics(session: Session, deal_ids: list[int]) -> dict[int, frozenset[str]]:
    """The topics the analysed calls of each deal mention (deals without an analysed call are absent)."""
    out: dict[int, set[str]] = {}
    for chunk in range(0, len(deal_ids), 5000):
        rows = session.execute(select(Call.opportunity_id, CallAnalysis.topics)
                               .join(CallAnalysis, CallAnalysis.call_id == Call.id)
                               .where(Call.opportunity_id.in_(deal_ids[chunk:chunk + 5000]))).all()
        for deal_id, topics in rows:
            found = (topics or {}).get("topics") or {}
            out.setdefault(int(deal_id), set()).update(k for k, v in found.items() if (v or {}).get("mentions", 1))
    return {k: frozenset(v) for k, v in out.items()}


def closed_deals(session: Session, scope: Scope, *, since: date | None = None, until: date | None = None,
                 with_topics: bool = True) -> pd.DataFrame:
    """One row per closed deal the scope may see, closed within the period, with every compared factor.

    Adds ``won`` (bool), ``competitor`` ('' when none), ``cycle_days``, ``stage_reached`` (1-based index of
    the last open stage visited in the funnel order), ``stage_reached_name``, ``first_stage`` and
    ``topics`` (a frozenset, or None for deals without an analysed call).
    """
    start, end = period_bounds(since, until)
    deals = deal_frame(session, scope)
    deals = deals[deals["outcome"].isin(["won", "lost"])]
    if start is not None:
        deals = deals[deals["closed_at"] >= start]
    if end is not None:
        deals = deals[deals["closed_at"] <= end]
    deals = deals.copy().reset_index(drop=True)
    deals["won"] = deals["outcome"].eq("won")
    deals["competitor"] = deals["competitor"].fillna("").astype(str).str.strip()
    deals["loss_reason"] = deals["loss_reason"].fillna("").astype(str).str.strip()
    for column in ("industry", "segment", "source"):
        deals[column] = deals[column].fillna("").astype(str)
    deals["cycle_days"] = (deals["closed_at"] - deals["created_at"]).dt.total_seconds() / 86400.0
    _add_stages(session, deals)
    topics = deal_topics(session, [int(i) for i in deals["deal_id"]]) if with_topics and len(deals) else {}
    deals["topics"] = [topics.get(int(i)) for i in deals["deal_id"]]
    return deals


def _add_stages(session: Session, deals: pd.DataFrame) -> None:
    events = stage_events(session, deals)
    events = events[~events["stage"].map(is_closed_stage)] if len(events) else events
    order = stage_order(events) if len(events) else []
    index = {name: i + 1 for i, name in enumerate(order)}
    events = events.assign(position=events["stage"].map(index))
    reached = events.groupby("deal_id")["position"].max() if len(events) else pd.Series(dtype=float)
    first = events.groupby("deal_id")["position"].min() if len(events) else pd.Series(dtype=float)
    deals["stage_reached"] = deals["deal_id"].map(reached).astype(float)
    deals["first_stage"] = deals["deal_id"].map(first).astype(float)
    deals["stage_reached_name"] = [None if pd.isna(i) else order[int(i) - 1] for i in deals["stage_reached"]]
    deals.attrs["stages"] = order


def _numeric_split(values: pd.Series) -> tuple[float, bool] | None:
    """The threshold that splits values into two non-empty sides: (threshold, inclusive)."""
    present = values.dropna()
    if present.nunique() < 2:
        return None
    median = float(present.median())
    if (present >= median).all():
        return median, False
    return median, True


def _numeric_factor(group: pd.DataFrame, key: str, label: str, seed: int) -> Factor | None:
    values = group[key].astype(float)
    split = _numeric_split(values)
    if split is None:
        return None
    threshold, inclusive = split
    present = group[values.notna()]
    inside = present[key] >= threshold if inclusive else present[key] > threshold
    won = present["won"].to_numpy(bool)
    rate = rate_effect(int((won & inside).sum()), int(inside.sum()), int((won & ~inside).sum()), int((~inside).sum()))
    effect = numeric_effect(present.loc[won, key].tolist(), present.loc[~won, key].tolist(), seed=seed)
    name = label if key != "amount" else "amount"
    cond = f"{name} {'≥' if inclusive else '>'} {_num(threshold)}"
    other = f"{name} {'<' if inclusive else '≤'} {_num(threshold)}"
    return Factor(key, label, "numeric", cond, other, rate, effect, "Mann-Whitney U", effect.p_value, None,
                  key in OUTCOME_BOUND)


def _level_factor(mask: pd.Series, won: pd.Series, key: str, label: str, cond: str, other: str,
                  min_level: int) -> Factor | None:
    n_in, n_out = int(mask.sum()), int((~mask).sum())
    if n_in < min_level or n_out < min_level:
        return None
    rate = rate_effect(int((won & mask).sum()), n_in, int((won & ~mask).sum()), n_out)
    return Factor(key, label, "categorical", cond, other, rate, None, "Fisher exact", rate.p_value, None)


def _categorical_factors(group: pd.DataFrame, key: str, label: str, min_level: int) -> list[Factor]:
    out = []
    values = group[key]
    for level in sorted(v for v in values.unique() if v):
        factor = _level_factor(values.eq(level), group["won"], key, label, f"{label} is {level}",
                               f"{label} is not {level}", min_level)
        if factor is not None:
            out.append(factor)
    return out


def _topic_factors(group: pd.DataFrame, min_level: int) -> list[Factor]:
    with_calls = group[group["topics"].notna()]
    if with_calls.empty:
        return []
    names = sorted(set().union(*with_calls["topics"]))
    out = []
    for topic in names:
        mask = with_calls["topics"].map(lambda found, t=topic: t in found)
        spoken = topic.replace("_", " ")
        factor = _level_factor(mask, with_calls["won"], "topic", f"talk topic: {spoken}",
                               f"calls mention {spoken}", f"calls do not mention {spoken}", min_level)
        if factor is not None:
            out.append(factor)
    return out


def compare_factors(group: pd.DataFrame, *, min_level: int = MIN_LEVEL, seed: int = 0) -> list[Factor]:
    """Every factor of a group of closed deals (a :func:`closed_deals` subset) compared between wins and losses.

    q-values are Benjamini-Hochberg over the group's factors (outcome-bound ones left out of the family).
    """
    if group.empty or group["won"].all() or not group["won"].any():
        return []
    factors: list[Factor] = []
    for key, label in NUMERIC_FACTORS.items():
        factor = _numeric_factor(group, key, label, seed)
        if factor is not None:
            factors.append(factor)
    for key, label in CATEGORICAL_FACTORS.items():
        factors += _categorical_factors(group, key, label, min_level)
    factors += _topic_factors(group, min_level)
    family = [f.p_value if not f.outcome_bound else None for f in factors]
    return [_with_q(f, q) for f, q in zip(factors, bh_qvalues(family))]


def _with_q(factor: Factor, q: float | None) -> Factor:
    return replace(factor, q_value=q)


def ranked(factors: list[Factor], *, positive: bool, limit: int = 5) -> list[Factor]:
    """The significant factors with the largest win-rate gaps in one direction (largest first)."""
    chosen = [f for f in factors if f.significant and f.rate.diff is not None and (f.rate.diff > 0) == positive]
    return sorted(chosen, key=lambda f: -abs(f.rate.diff or 0.0))[:limit]


def loss_reason_group(deals: pd.DataFrame, reason: str) -> pd.DataFrame:
    """The won deals and the deals lost for ``reason``: the pair a loss reason's factors compare."""
    return deals[deals["won"] | deals["loss_reason"].eq(reason)]


def quarterly(deals: pd.DataFrame) -> list[dict[str, Any]]:
    """Closed deals, wins and win rate per calendar quarter of the close date."""
    if deals.empty:
        return []
    quarter = deals["closed_at"].dt.tz_convert(None).dt.to_period("Q").astype(str)
    grouped = deals.groupby(quarter)["won"].agg(["size", "sum"])
    return [{"quarter": q, "closed": int(r["size"]), "won": int(r["sum"]), "rate": float(r["sum"] / r["size"])}
            for q, r in grouped.iterrows()]


def factor_dict(factor: Factor) -> dict[str, Any]:
    """A JSON-ready factor: the condition, both win rates with the Newcombe interval, the odds ratio, medians."""
    r, m = factor.rate, factor.numeric
    return {"factor": factor.factor, "label": factor.label, "kind": factor.kind, "condition": factor.condition,
            "other": factor.other, "sentence": factor.sentence(), "won_in": r.won_in, "n_in": r.n_in,
            "won_out": r.won_out, "n_out": r.n_out, "rate_in": r.rate_in, "rate_out": r.rate_out,
            "rate_diff": r.diff, "rate_diff_low": r.diff_low, "rate_diff_high": r.diff_high,
            "odds_ratio": r.odds_ratio, "or_low": r.or_low, "or_high": r.or_high,
            "share_won": factor.share_won, "share_lost": factor.share_lost,
            "median_won": m.median_won if m else None, "median_lost": m.median_lost if m else None,
            "median_diff": m.diff if m else None, "median_diff_low": m.diff_low if m else None,
            "median_diff_high": m.diff_high if m else None, "cliffs_delta": m.cliffs_delta if m else None,
            "test": factor.test, "p_value": factor.p_value, "q_value": factor.q_value,
            "significant": factor.significant, "outcome_bound": factor.outcome_bound}


__all__ = ["MIN_CLOSED", "NO_COMPETITOR", "Factor", "closed_deals", "compare_factors", "deal_topics",
           "factor_dict", "loss_reason_group", "period_bounds", "quarterly", "ranked"]
