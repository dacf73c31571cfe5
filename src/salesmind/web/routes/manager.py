"""The manager dashboard: funnel, stage flows, velocity and its drivers, coverage, forecast accuracy,
bottlenecks, lead cohorts and the team table for a period and grouping (managers and admins)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import HTMLResponse

from salesmind.analytics import pipeline_service as service
from salesmind.analytics.performance import team_table
from salesmind.analytics.periods import PERIOD_CHOICES, quarter_of, resolve_period
from salesmind.analytics.pipeline import GROUPINGS
from salesmind.core.errors import UserInputError
from salesmind.data.models import Role
from salesmind.forecasting.accuracy import accuracy_report
from salesmind.web import pipeline_charts as charts
from salesmind.web.deps import PageDep, PageNotFound
from salesmind.web.nav import MANAGE, NavItem, add_nav_item

MANAGER_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
PERIOD_LABELS = {"this_quarter": "This quarter", "last_quarter": "Last quarter", "custom": "Custom"}
router = APIRouter()


def add_manager_nav(app: FastAPI) -> None:
    """Put Dashboard (managers and admins) first in the Manage menu."""
    add_nav_item(app, NavItem("Dashboard", "/manager", roles=MANAGER_ROLES, group=MANAGE))


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _rows(frame: Any) -> list[dict[str, Any]]:
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


@router.get("/manager", response_class=HTMLResponse)
def manager_page(page: PageDep, period: str = Query("this_quarter", pattern="^(" + "|".join(PERIOD_CHOICES) + ")$"),
                 start: Annotated[date | None, Query()] = None, end: Annotated[date | None, Query()] = None,
                 group_by: Annotated[str | None, Query(pattern="^(" + "|".join(GROUPINGS) + ")?$")] = None
                 ) -> HTMLResponse:
    """The sales manager's view of the pipeline in the chosen period."""
    if page.user.role not in MANAGER_ROLES:
        raise PageNotFound("The manager dashboard is for managers and admins.")
    today = page.request.app.state.clock.now().date()
    group_by = group_by or None
    error = None
    try:
        start, end = resolve_period(period, today, start, end)
    except UserInputError as exc:
        error, period = str(exc), "this_quarter"
        start, end = quarter_of(today)
    session, scope = page.session, page.scope
    context = service.run_cached(session, scope, "manager-dashboard", (start, end, group_by),
                                 lambda s, data: _dashboard(s, scope, data, start, end, group_by))
    return page.render("manager/dashboard.html", period=period, period_labels=PERIOD_LABELS, start=start, end=end,
                       group_by=group_by or "", groupings=GROUPINGS, error=error, **context)


def _dashboard(session: Any, scope: Any, data: service.PipelineData, start: date, end: date,
               group_by: str | None) -> dict[str, Any]:
    """Everything the page shows for the period (cached per data version by the caller)."""
    report = service.pipeline_analysis(data, start, end, group_by)
    speed = service.velocity_analysis(data, start, end, group_by)
    cover = service.coverage_analysis(session, scope, data, start, end, group_by=group_by)
    cohorts = service.cohort_analysis(session, scope, data, *service.cohort_window(start, end))
    return {
        "report": report, "conversion": _rows(report["conversion"]), "times": _rows(report["time_in_stage"]),
        "history_rates": report["history_conversion"].set_index("from_stage")["rate"].to_dict(),
        "groups": [{"group": g["group"], "conversion": _rows(g["conversion"])} for g in report["groups"]],
        "velocity": speed, "velocity_groups": speed["groups"], "coverage": cover, "accuracy": accuracy_report(session),
        "cohorts": _rows(cohorts), "driver_labels": charts.DRIVER_LABELS,
        "team_rows": team_table(session, scope, _utc(start), _utc(end)),
        "funnel_chart": charts.funnel_chart(report["funnel"]),
        "sankey_chart": charts.sankey_chart(report["flows"], report["stages"]),
        "velocity_chart": charts.velocity_chart(speed["trend"]), "drivers_chart": charts.drivers_chart(speed["change"]),
        "coverage_chart": charts.coverage_chart(cover), "cohort_chart": charts.cohort_chart(cohorts)}
