"""Battle cards and the win/loss summary: what the pages, the REST API and the CLI show.

:func:`winloss_summary` gives one row per competitor (and "no competitor": win rate with its Wilson
interval, the gap to the deals without that competitor with its Newcombe interval, the adjusted odds
ratio of :func:`~salesmind.analytics.winloss_model.deal_model`) and one row per loss reason (its losses
and the factors that set them apart from the wins). :func:`battle_card` assembles one competitor's card.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from salesmind.analytics.winloss import (
    MIN_CLOSED,
    NO_COMPETITOR,
    Factor,
    closed_deals,
    compare_factors,
    factor_dict,
    loss_reason_group,
    quarterly,
    ranked,
)
from salesmind.analytics.winloss_model import AdjustedModel, Coefficient, deal_model
from salesmind.analytics.winloss_stats import NumericEffect, RateEffect, numeric_effect, rate_effect
from salesmind.conversations.coaching import wilson_interval
from salesmind.core.errors import NotFound
from salesmind.data.scope import Scope

NO_COMPETITOR_LABEL = "No competitor"
DEALS_SHOWN = 200


@dataclass(frozen=True)
class CompetitorRow:
    """A competitor's deals: win rate with its Wilson interval, the gap to the rest, the adjusted odds ratio."""

    competitor: str
    label: str
    closed: int
    won: int
    rate: float
    low: float
    high: float
    vs_rest: RateEffect
    adjusted: Coefficient | None
    sufficient: bool


@dataclass(frozen=True)
class LossReasonRow:
    """One loss reason: its losses, their share, the competitors behind them, the factors that set them apart."""

    reason: str
    lost: int
    share: float
    by_competitor: dict[str, int]
    factors: list[Factor]

    @property
    def top(self) -> list[Factor]:
        """The significant factors, largest win-rate gap first."""
        return sorted((f for f in self.factors if f.significant), key=lambda f: -abs(f.rate.diff or 0.0))[:3]


@dataclass(frozen=True)
class WinLossSummary:
    """The whole picture for a period: overall win rate, competitors, loss reasons, the adjusted model."""

    since: date | None
    until: date | None
    closed: int
    won: int
    rate: float | None
    low: float | None
    high: float | None
    competitors: list[CompetitorRow]
    loss_reasons: list[LossReasonRow]
    model: AdjustedModel


@dataclass(frozen=True)
class BattleCard:
    """One competitor's battle card."""

    competitor: str
    label: str
    since: date | None
    until: date | None
    row: CompetitorRow
    overall: tuple[float | None, float | None, float | None]
    model: AdjustedModel
    trend: list[dict[str, Any]]
    overall_trend: list[dict[str, Any]]
    factors: list[Factor]
    wins: list[Factor]
    losses: list[Factor]
    loss_reasons: list[dict[str, Any]]
    discount: NumericEffect
    lost_at: list[dict[str, Any]]
    deals: list[dict[str, Any]] = field(default_factory=list)

    @property
    def sufficient(self) -> bool:
        """True when the competitor has at least :data:`MIN_CLOSED` closed deals in the period."""
        return self.row.sufficient

    @property
    def topics(self) -> list[Factor]:
        """The talk-topic factors, largest gap first."""
        return sorted((f for f in self.factors if f.factor == "topic"), key=lambda f: -abs(f.rate.diff or 0.0))


def competitor_label(name: str) -> str:
    """The display name of a competitor ('' is "No competitor")."""
    return name or NO_COMPETITOR_LABEL


def _rate(won: int, closed: int) -> tuple[float | None, float | None, float | None]:
    if not closed:
        return None, None, None
    low, high = wilson_interval(won, closed)
    return won / closed, low, high


def _competitor_row(deals: pd.DataFrame, name: str, model: AdjustedModel) -> CompetitorRow:
    mine = deals["competitor"].eq(name)
    won = deals["won"]
    closed, wins = int(mine.sum()), int((won & mine).sum())
    rate, low, high = _rate(wins, closed)
    vs_rest = rate_effect(wins, closed, int((won & ~mine).sum()), int((~mine).sum()))
    return CompetitorRow(name, competitor_label(name), closed, wins, rate or 0.0, low or 0.0, high or 0.0, vs_rest,
                         model.competitors.get(name) if name != NO_COMPETITOR else None, closed >= MIN_CLOSED)


def _names(deals: pd.DataFrame) -> list[str]:
    counts = deals["competitor"].value_counts()
    return sorted(counts.index, key=lambda n: (n == NO_COMPETITOR, -counts[n], n))


def winloss_summary(session: Session, scope: Scope, *, since: date | None = None,
                    until: date | None = None) -> WinLossSummary:
    """Every competitor's and loss reason's table for deals closed in the period that the scope may see."""
    deals = closed_deals(session, scope, since=since, until=until)
    model = deal_model(deals)
    competitors = [_competitor_row(deals, name, model) for name in _names(deals)]
    lost = deals[~deals["won"]]
    reasons = []
    for reason, n in lost["loss_reason"].replace("", "(none given)").value_counts().items():
        group = loss_reason_group(deals, "" if reason == "(none given)" else str(reason))
        mine = lost[lost["loss_reason"].replace("", "(none given)").eq(reason)]
        by = {competitor_label(k): int(v) for k, v in mine["competitor"].value_counts().items()}
        reasons.append(LossReasonRow(str(reason), int(n), int(n) / len(lost), by, compare_factors(group)))
    rate, low, high = _rate(int(deals["won"].sum()), len(deals))
    return WinLossSummary(since, until, len(deals), int(deals["won"].sum()), rate, low, high, competitors, reasons,
                          model)


def battle_card(session: Session, scope: Scope, name: str, *, since: date | None = None,
                until: date | None = None) -> BattleCard:
    """The battle card of competitor ``name`` ('' for deals without one); NotFound when no visible deal names it."""
    deals = closed_deals(session, scope, since=since, until=until)
    name = name.strip()
    if not deals["competitor"].eq(name).any():
        known = name in set(closed_deals(session, scope, with_topics=False)["competitor"])
        raise NotFound(f"No closed deals against {competitor_label(name)!r}"
                       + (" in this period." if known else " are visible to you."))
    model = deal_model(deals)
    group = deals[deals["competitor"].eq(name)]
    factors = compare_factors(group)
    lost = group[~group["won"]]
    all_lost = deals[~deals["won"]]
    overall_reasons = all_lost["loss_reason"].replace("", "(none given)").value_counts(normalize=True)
    reasons = [{"reason": str(r), "lost": int(n), "share": int(n) / len(lost),
                "share_overall": float(overall_reasons.get(r, 0.0))}
               for r, n in lost["loss_reason"].replace("", "(none given)").value_counts().items()]
    discount = numeric_effect(group.loc[group["won"], "discount_pct"].tolist(),
                              group.loc[~group["won"], "discount_pct"].tolist())
    lost_at = [{"stage": str(s), "lost": int(n)} for s, n in lost["stage_reached_name"].value_counts(sort=False).items()]
    order = {s: i for i, s in enumerate(deals.attrs.get("stages") or [])}
    lost_at.sort(key=lambda r: order.get(r["stage"], len(order)))
    shown = group.sort_values("closed_at", ascending=False).head(DEALS_SHOWN)
    deal_rows = [{"deal_id": int(r.deal_id), "name": r.name, "account": r.account, "owner": r.owner,
                  "outcome": r.outcome, "amount": None if pd.isna(r.amount) else float(r.amount),
                  "discount_pct": None if pd.isna(r.discount_pct) else float(r.discount_pct),
                  "loss_reason": r.loss_reason or None, "closed_at": r.closed_at.date().isoformat()}
                 for r in shown.itertuples()]
    return BattleCard(name, competitor_label(name), since, until, _competitor_row(deals, name, model),
                      _rate(int(deals["won"].sum()), len(deals)), model, quarterly(group), quarterly(deals), factors,
                      ranked(factors, positive=True), ranked(factors, positive=False), reasons, discount, lost_at,
                      deal_rows)


def _coef(c: Coefficient | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {"log_odds": c.log_odds, "low": c.low, "high": c.high, "odds_ratio": c.odds_ratio,
            "or_low": c.or_low, "or_high": c.or_high, "p_value": c.p_value}


def competitor_dict(row: CompetitorRow) -> dict[str, Any]:
    """A JSON-ready competitor row (flat, so it also makes a CSV row)."""
    r, a = row.vs_rest, _coef(row.adjusted) or {}
    return {"competitor": row.competitor, "label": row.label, "closed": row.closed, "won": row.won,
            "win_rate": row.rate, "win_rate_low": row.low, "win_rate_high": row.high,
            "rest_win_rate": r.rate_out, "diff_vs_rest": r.diff, "diff_low": r.diff_low, "diff_high": r.diff_high,
            "fisher_p": r.p_value, "adjusted_odds_ratio": a.get("odds_ratio"), "adjusted_or_low": a.get("or_low"),
            "adjusted_or_high": a.get("or_high"), "adjusted_p": a.get("p_value"), "sufficient": row.sufficient}


def loss_reason_dict(row: LossReasonRow) -> dict[str, Any]:
    """A JSON-ready loss-reason row with its significant factors in plain words."""
    return {"reason": row.reason, "lost": row.lost, "share": row.share, "by_competitor": row.by_competitor,
            "top_factors": [f.sentence() for f in row.top], "factors": [factor_dict(f) for f in row.factors]}


def model_dict(model: AdjustedModel) -> dict[str, Any]:
    """The adjusted model's description: kind, what it adjusts for, rows, note."""
    return {"kind": model.kind, "adjusted_for": list(model.adjusted_for), "rows": model.rows, "note": model.note}


def summary_dict(summary: WinLossSummary) -> dict[str, Any]:
    """The whole summary, JSON-ready."""
    return {"since": summary.since, "until": summary.until, "closed": summary.closed, "won": summary.won,
            "win_rate": summary.rate, "win_rate_low": summary.low, "win_rate_high": summary.high,
            "competitors": [competitor_dict(r) for r in summary.competitors],
            "loss_reasons": [loss_reason_dict(r) for r in summary.loss_reasons], "model": model_dict(summary.model)}


def card_dict(card: BattleCard) -> dict[str, Any]:
    """A battle card, JSON-ready."""
    from dataclasses import asdict

    rate, low, high = card.overall
    return {"competitor": card.competitor, "label": card.label, "since": card.since, "until": card.until,
            "sufficient": card.sufficient, "minimum_closed": MIN_CLOSED, "headline": competitor_dict(card.row),
            "overall_win_rate": rate, "overall_low": low, "overall_high": high, "model": model_dict(card.model),
            "trend": card.trend, "overall_trend": card.overall_trend,
            "where_we_win": [factor_dict(f) for f in card.wins], "where_we_lose": [factor_dict(f) for f in card.losses],
            "factors": [factor_dict(f) for f in card.factors], "loss_reasons": card.loss_reasons,
            "discount": asdict(card.discount), "lost_at": card.lost_at, "deals": card.deals}


__all__ = ["BattleCard", "CompetitorRow", "LossReasonRow", "WinLossSummary", "battle_card", "card_dict",
           "competitor_dict", "competitor_label", "loss_reason_dict", "summary_dict",
           "winloss_summary"]
