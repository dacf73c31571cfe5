"""The forecast page: bookings history and forecast with bands, the pipeline distribution and its numbers,
the deals that drive the range, what changed since the last run, and accuracy over time (managers and admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import HTMLResponse

from salesmind.core.errors import SalesmindError
from salesmind.data.models import Role
from salesmind.forecasting import accuracy, store, views
from salesmind.forecasting.changes import CATEGORIES, CATEGORY_LABELS
from salesmind.web.deps import PageDep, PageNotFound
from salesmind.web.forecast_charts import accuracy_chart, bridge_chart, distribution_chart, history_chart
from salesmind.web.nav import NavItem, add_nav_item

FORECAST_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
router = APIRouter()
RunId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


def add_forecast_nav(app: FastAPI) -> None:
    """Put Forecast (managers and admins) in the navigation bar, before Leads."""
    add_nav_item(app, NavItem("Forecast", "/forecast", roles=FORECAST_ROLES), before="Leads")


def _pick(session: Any, run_id: int | None, kind: str) -> Any:
    if run_id is None:
        return store.latest_run(session, kind)
    try:
        run = store.get_run(session, run_id)
    except SalesmindError as exc:
        raise PageNotFound(str(exc)) from None
    if run.kind != kind:
        raise PageNotFound(f"forecast run {run_id} is not a {kind} forecast")
    return run


@router.get("/forecast", response_class=HTMLResponse)
def forecast_page(page: PageDep, history: RunId = None, pipeline: RunId = None) -> HTMLResponse:
    """Everything about the latest (or the chosen) history and pipeline runs on one page."""
    if page.user.role not in FORECAST_ROLES:
        raise PageNotFound("The forecast is for managers and admins.")
    session = page.session
    history_run = _pick(session, history, "history")
    pipeline_run = _pick(session, pipeline, "pipeline")
    context: dict[str, Any] = {"history_run": history_run, "pipeline_run": pipeline_run,
                               "labels": CATEGORY_LABELS, "categories": CATEGORIES}
    if history_run is not None:
        points = store.run_points(session, history_run.id)
        context.update(history_points=points,
                       history_chart=history_chart(views.history_frame(session, history_run), points))
    if pipeline_run is not None:
        drivers, hidden = views.visible_drivers(pipeline_run, page.scope)
        _, changes = views.change_view(session, page.scope, pipeline_run.id)
        context.update(summary=pipeline_run.summary or {}, drivers=drivers[:15], hidden_drivers=hidden,
                       distribution_chart=distribution_chart(pipeline_run.summary or {}), changes=changes,
                       bridge_chart=bridge_chart(changes) if changes else None)
    report = accuracy.accuracy_report(session)
    context.update(accuracy=report, accuracy_chart=accuracy_chart(report),
                   history_runs=store.list_runs(session, "history", 20),
                   pipeline_runs=store.list_runs(session, "pipeline", 20))
    return page.render("forecast/page.html", **context)
