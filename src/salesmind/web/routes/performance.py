"""The performance pages: the team table for a period, one rep's gaps to the top performers, and the
baseline-versus-after impact of a change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import HTMLResponse

from salesmind.analytics.cache import cached
from salesmind.analytics.impact import IMPACT_METRICS, impact_for
from salesmind.analytics.performance import performance_tables, period
from salesmind.analytics.performance_rep import rep_report
from salesmind.core.errors import NotFound, UserInputError
from salesmind.web.deps import PageDep, PageNotFound
from salesmind.web.nav import MANAGE, NavItem, add_nav_item
from salesmind.web.performance_charts import (
    impact_chart,
    stage_conversion_chart,
    win_rate_trend_chart,
)

router = APIRouter()
StartQ = Annotated[date | None, Query(description="first day of the period (default: a year before the end)")]
EndQ = Annotated[date | None, Query(description="day after the period (default: tomorrow)")]


def add_performance_nav(app: FastAPI) -> None:
    """Put Performance in the Manage menu (reps who open it see only their own row)."""
    add_nav_item(app, NavItem("Performance", "/performance", group=MANAGE))


def _today(page: Any) -> date:
    return page.request.app.state.clock.now().date()


def _guard(call: Callable[[], Any]) -> tuple[Any, str | None]:
    try:
        return call(), None
    except NotFound as exc:
        raise PageNotFound(str(exc)) from None
    except UserInputError as exc:
        return None, str(exc)


@router.get("/performance", response_class=HTMLResponse)
def team_page(page: PageDep, start: StartQ = None, end: EndQ = None) -> HTMLResponse:
    """Every visible rep's activity, deals, win rate, size, cycle, discount, pipeline, forecast accuracy and gaps."""
    span, error = _guard(lambda: period(start, end, today=_today(page)))
    rows, teams = cached(page.session, page.scope, "performance-tables", span,
                         lambda s: performance_tables(s, page.scope, *span)) if span else ([], [])
    first, last = (span[0].date(), span[1].date()) if span else (start, end)
    return page.render("performance/team.html", team_rows=rows, teams=teams, error=error, start=first, end=last,
                       team_link_query=f"?start={first}&end={last}" if span else "")


@router.get("/performance/impact", response_class=HTMLResponse)
def impact_page(page: PageDep, change: Annotated[date | None, Query()] = None,
                reps: Annotated[list[int] | None, Query()] = None,
                metric: Annotated[str, Query(pattern="^(win_rate|cycle_days|deal_size|activity_per_week)$")] = "win_rate",
                window_days: Annotated[int, Query(ge=7, le=730)] = 90) -> HTMLResponse:
    """The baseline-versus-after form; with a change date and treated reps, the estimate and its chart."""
    span = period(today=_today(page))
    choices = cached(page.session, page.scope, "performance-tables", span,
                     lambda s: performance_tables(s, page.scope, *span))[0]
    result, error = None, None
    if change and reps:
        impact, error = _guard(lambda: impact_for(page.session, page.scope, change, reps, metric, window_days))
        result = impact.as_dict() if impact else None
    elif change or reps:
        error = "choose a change date and at least one treated rep"
    return page.render("performance/impact.html", reps=choices, chosen=set(reps or []), change=change, metric=metric,
                       metrics=IMPACT_METRICS, window_days=window_days, result=result, error=error,
                       chart=impact_chart(result) if result else None)


@router.get("/performance/{user_id:int}", response_class=HTMLResponse)
def rep_page(page: PageDep, user_id: int, start: StartQ = None, end: EndQ = None) -> HTMLResponse:
    """One rep's metrics against the top performers with significance, stage conversion and win rate over time."""
    span, error = _guard(lambda: period(start, end, today=_today(page)))
    if span is None:
        span = period(today=_today(page))
    try:
        report = cached(page.session, page.scope, "performance-rep", (user_id, *span),
                        lambda s: rep_report(s, page.scope, user_id, *span))
    except NotFound as exc:
        raise PageNotFound(str(exc)) from None
    return page.render("performance/rep.html", report=report, error=error, start=span[0].date(), end=span[1].date(),
                       stage_chart=stage_conversion_chart(report["stages"], report["name"]),
                       trend_chart=win_rate_trend_chart(report["win_rate_by_quarter"], report["name"]))
