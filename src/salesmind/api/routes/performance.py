"""Performance analytics: the team table, one rep's report, and a change's impact (scoped to the caller)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from salesmind.analytics.cache import cached
from salesmind.analytics.impact import impact_for
from salesmind.analytics.performance import performance_tables, period
from salesmind.analytics.performance_rep import rep_report
from salesmind.api.csv import csv_response
from salesmind.api.deps import NowDep, ScopeDep, SessionDep
from salesmind.api.schemas.common import RecordId
from salesmind.api.schemas.performance import ImpactPublic, RepPerformance, TeamPerformance

router = APIRouter(prefix="/analytics", tags=["analytics"])
StartQ = Annotated[date | None, Query(description="first day of the period (default: a year before the end)")]
EndQ = Annotated[date | None, Query(description="day after the period (default: tomorrow)")]
FormatQ = Annotated[Literal["json", "csv"], Query(description="csv returns the table as text/csv")]


@router.get("/performance", response_model=TeamPerformance)
def team(session: SessionDep, scope: ScopeDep, now: NowDep, start: StartQ = None, end: EndQ = None,
         format: FormatQ = "json",
         table: Annotated[Literal["reps", "teams"], Query(description="which table ?format=csv returns")] = "reps",
         ) -> TeamPerformance | Response:
    """Every visible rep's activity, deals, win rate (Wilson), size, cycle, discount, pipeline, forecast accuracy,
    gaps to the top performers; and each team's pooled figures."""
    first, last = period(start, end, today=now.date())
    rows, teams = cached(session, scope, "performance-tables", (first, last),
                         lambda s: performance_tables(s, scope, first, last))
    if format == "csv":
        chosen = rows if table == "reps" else teams
        flat = [{k: v for k, v in r.items() if k not in ("activities_by_type", "gap_metrics")} for r in chosen]
        return csv_response(flat, f"{'team' if table == 'reps' else 'teams'}-performance-{first.date()}-{last.date()}")
    return TeamPerformance(start=first.date().isoformat(), end=last.date().isoformat(), reps=rows, teams=teams)


@router.get("/performance/{user_id}", response_model=RepPerformance)
def rep(user_id: RecordId, session: SessionDep, scope: ScopeDep, now: NowDep, start: StartQ = None, end: EndQ = None,
        format: FormatQ = "json") -> RepPerformance | Response:
    """One rep's gaps to the top performers (95% CI, test, p, BH q), stage conversion and win rate by quarter."""
    span = period(start, end, today=now.date())
    report = cached(session, scope, "performance-rep", (user_id, *span),
                    lambda s: rep_report(s, scope, user_id, *span))
    if format == "csv":
        return csv_response(report["gaps"], f"performance-gaps-{user_id}")
    return RepPerformance.model_validate(report)


@router.get("/impact", response_model=ImpactPublic)
def impact(session: SessionDep, scope: ScopeDep, change: date,
           reps: Annotated[list[RecordId], Query(min_length=1, max_length=500, description="treated rep ids")],
           metric: Literal["win_rate", "cycle_days", "deal_size", "activity_per_week"] = "win_rate",
           window_days: Annotated[int, Query(ge=7, le=730)] = 90) -> ImpactPublic:
    """Baseline versus after for the treated reps, with a difference in differences when a control group exists."""
    return ImpactPublic.model_validate(impact_for(session, scope, change, list(reps), metric, window_days).as_dict())
