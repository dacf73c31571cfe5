"""The home page: what the viewer can see, their open pipeline by stage, and recent activity."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from salesmind.data import dashboard
from salesmind.web.charts import pipeline_chart
from salesmind.web.deps import PageDep
from salesmind.web.formatting import safe_zone

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(page: PageDep) -> HTMLResponse:
    """The viewer's start page."""
    session, scope = page.session, page.scope
    now = page.request.app.state.clock.now()
    today = now.astimezone(safe_zone(page.user.timezone)).date()
    totals = dashboard.pipeline_by_stage(session, scope)
    return page.render(
        "home.html",
        counts=dashboard.home_counts(session, scope),
        totals=totals,
        pipeline_totals=_sum_by_currency(totals),
        chart=pipeline_chart(totals),
        recent=dashboard.recent_activity(session, scope),
        closing=dashboard.closing_soon(session, scope),
        today=today,
    )


def _sum_by_currency(totals: list[dashboard.StageTotal]) -> list[tuple[str, object]]:
    sums: dict[str, object] = {}
    for t in totals:
        sums[t.currency] = sums.get(t.currency, 0) + t.amount  # type: ignore[operator]
    return sorted(sums.items())
