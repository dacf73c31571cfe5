"""Win/loss analytics: per competitor and per loss reason, and one competitor's battle card (scoped)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from salesmind.analytics.battlecards import (
    battle_card,
    card_dict,
    competitor_dict,
    summary_dict,
    winloss_summary,
)
from salesmind.analytics.cache import cached
from salesmind.analytics.winloss import factor_dict
from salesmind.api.csv import csv_response
from salesmind.api.deps import ScopeDep, SessionDep
from salesmind.api.schemas.winloss import BattleCardPublic, WinLossPublic

router = APIRouter(prefix="/analytics", tags=["analytics"])
#: The path name of the card of deals without a named competitor.
NO_COMPETITOR_PATH = "_none"
Since = Annotated[date | None, Query(description="First close date (inclusive)")]
Until = Annotated[date | None, Query(description="Last close date (inclusive)")]
Format = Annotated[str, Query(pattern="^(json|csv)$")]


@router.get("/winloss", response_model=WinLossPublic)
def winloss(session: SessionDep, scope: ScopeDep, since: Since = None, until: Until = None, format: Format = "json",
            table: Annotated[str, Query(pattern="^(competitors|loss_reasons)$")] = "competitors") -> Any:
    """Deals closed in the period: each competitor's win rate, gap and adjusted odds ratio; each loss reason's
    factors (``format=csv`` returns the ``table`` chosen)."""
    summary = cached(session, scope, "winloss-summary", (since, until),
                     lambda s: winloss_summary(s, scope, since=since, until=until))
    if format == "csv":
        if table == "competitors":
            return csv_response([competitor_dict(r) for r in summary.competitors], "winloss-competitors")
        rows = [{"reason": r.reason, "lost": r.lost, "share": r.share, **factor_dict(f)}
                for r in summary.loss_reasons for f in r.factors]
        return csv_response(rows, "winloss-loss-reasons")
    return WinLossPublic.model_validate(summary_dict(summary))


@router.get("/battlecards/{name}", response_model=BattleCardPublic)
def card(session: SessionDep, scope: ScopeDep, name: Annotated[str, Path(min_length=1, max_length=255)],
         since: Since = None, until: Until = None, format: Format = "json",
         table: Annotated[str, Query(pattern="^(factors|deals)$")] = "factors") -> Any:
    """A competitor's battle card (``_none`` is the deals without one); 404 when no visible closed deal names it."""
    key = "" if name == NO_COMPETITOR_PATH else name
    found = cached(session, scope, "battle-card", (key, since, until),
                   lambda s: battle_card(s, scope, key, since=since, until=until))
    if format == "csv":
        if table == "deals":
            return csv_response(found.deals, f"battlecard-{name}-deals")
        return csv_response([factor_dict(f) for f in found.factors], f"battlecard-{name}-factors")
    return BattleCardPublic.model_validate(card_dict(found))


__all__ = ["NO_COMPETITOR_PATH", "router"]
