"""The customer pages: the customer list (sortable by risk and value, with the open churn warnings) and
each account's health page (risk over time with causes, lifetime value, segment, recommendations, next actions)."""

from __future__ import annotations

from typing import Annotated, Any, Callable

from fastapi import APIRouter, FastAPI, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from salesmind.core.errors import NotFound, SalesmindError
from salesmind.customers import views
from salesmind.web.customer_charts import customer_map, health_chart
from salesmind.web.deps import PageDep, PageNotFound
from salesmind.web.nav import INSIGHTS, NavItem, add_nav_item
from salesmind.web.score_panel import FLASH_KEY, flash

router = APIRouter()
PAGE_SIZE = 50
SORT_LABELS = {"risk": "Churn risk", "value": "Lifetime value", "p_alive": "Least likely active", "name": "Name"}


def add_customer_nav(app: FastAPI) -> None:
    """Put Customers (everyone: reps see their own accounts) in the navigation bar, after Accounts."""
    add_nav_item(app, NavItem("Customers", "/customers", group=INSIGHTS), before="Opportunities")


def _scoped(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except NotFound as exc:
        raise PageNotFound(str(exc)) from None


@router.get("/customers", response_class=HTMLResponse)
def customers_page(page: PageDep, sort: str = Query("risk", pattern="^(risk|value|p_alive|name)$"),
                   segment: Annotated[str | None, Query(max_length=120)] = None, at_risk: bool = False,
                   page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1) -> HTMLResponse:
    """Customer accounts with churn risk, lifetime value and segment; the open warnings above them."""
    rows, total = views.customer_list(page.session, page.scope, sort=sort, segment=segment or None,
                                      at_risk=at_risk, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    alerts = views.alert_list(page.session, page.scope, status="open", limit=20)
    chart_rows, _ = views.customer_list(page.session, page.scope, sort="value", limit=views.MAX_LIMIT)
    return page.render("customers/list.html", rows=rows, total=total, sort=sort, sort_labels=SORT_LABELS,
                       segment=segment or "", segments=views.segments(page.session, page.scope),
                       at_risk=at_risk, alerts=alerts, page_no=page_no,
                       has_next=page_no * PAGE_SIZE < total, first=(page_no - 1) * PAGE_SIZE + 1,
                       map_chart=customer_map(chart_rows))


@router.get("/customers/{account_id:int}", response_class=HTMLResponse)
def account_health_page(page: PageDep, account_id: int) -> HTMLResponse:
    """One account's health: risk over time with causes, lifetime value, segment, advice."""
    health = _scoped(lambda: views.account_health(page.session, page.scope, account_id))
    threshold = health.details.get("warning_threshold")
    message = page.request.session.pop(FLASH_KEY, None)
    return page.render("customers/account.html", health=health, details=health.details, flash=message,
                       chart=health_chart(health.history, threshold), threshold=threshold)


@router.post("/customers/alerts/{alert_id:int}")
def alert_form(page: PageDep, alert_id: int, status: Annotated[str, Form()] = "acknowledged") -> RedirectResponse:
    """Acknowledge or resolve a churn warning and go back to its account."""
    try:
        alert = _scoped(lambda: views.set_alert_status(page.session, page.scope, alert_id, status))
    except SalesmindError as exc:
        flash(page, "error", str(exc))
        return RedirectResponse("/customers", status_code=303)
    flash(page, "ok", f"Warning {status}.")
    return RedirectResponse(f"/customers/{alert.account_id}#alerts", status_code=303)


@router.get("/opportunities/{opportunity_id:int}/next-actions", response_class=HTMLResponse)
def deal_actions_page(page: PageDep, opportunity_id: int) -> HTMLResponse:
    """An open deal's next best actions with the evidence behind each (or why there is none yet)."""
    try:
        found = _scoped(lambda: views.deal_actions(page.session, page.scope, opportunity_id,
                                                   page.request.app.state.clock.now()))
        problem = None
    except SalesmindError as exc:
        page.record("opportunity", opportunity_id)  # 404 for what the viewer may not see
        found, problem = None, str(exc)
    return page.render("customers/deal_actions.html", found=found, problem=problem, opportunity_id=opportunity_id)
