"""Deal-health pages: the risk list (managers see their team's deals, reps their own), the notifications
page, and the health panel on the deal page (built here, included by templates/records/opportunity.html)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from salesmind.core.errors import SalesmindError
from salesmind.data.users import visible_users
from salesmind.deals import (
    FLAG_CODES,
    GRADES,
    deal_health,
    list_notifications,
    mark_read,
    risk_list,
    unread_count,
)
from salesmind.web.deal_charts import deal_health_chart
from salesmind.web.deps import Page, PageDep
from salesmind.web.nav import INSIGHTS, NavItem, add_nav_item

router = APIRouter()


def add_deals_nav(app: FastAPI) -> None:
    """Put Risks (everyone: reps see their own deals) and the notifications in the navigation bar."""
    add_nav_item(app, NavItem("Risks", "/deals/risks", group=INSIGHTS), before="Contacts")
    add_nav_item(app, NavItem("Alerts", "/notifications", group=INSIGHTS))


def health_panel(page: Page, opportunity_id: int) -> dict[str, Any]:
    """What the deal page's health panel shows: the panel (None before a refresh) and its chart."""
    panel = deal_health(page.session, page.scope, opportunity_id)
    return {"panel": panel, "chart": deal_health_chart(panel.history, panel.sentiment) if panel else None}


@router.get("/deals/risks", response_class=HTMLResponse)
def risks_page(page: PageDep, owner: Annotated[str, Query(max_length=254)] = "",
               flag: Annotated[str, Query(max_length=40)] = "",
               grade: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
    """Open deals in scope riskiest first (amount x (100 - score)), with their red flags in words."""
    error = None
    try:
        rows = risk_list(page.session, page.scope, owner_email=owner or None, flag=flag or None,
                         grade=grade or None, limit=200)
    except SalesmindError as exc:
        rows, error = [], str(exc)
    owners = [] if page.scope.owner_ids is not None and len(page.scope.owner_ids) <= 1 else \
        visible_users(page.session, page.scope)
    return page.render("deals/risks.html", rows=rows, error=error, owner=owner, flag=flag, grade=grade,
                       owners=owners, flag_codes=FLAG_CODES, grades=GRADES)


@router.get("/notifications", response_class=HTMLResponse)
def notifications_page(page: PageDep) -> HTMLResponse:
    """The viewer's alerts, newest first, unread ones marked."""
    notes = list_notifications(page.session, page.user.id, limit=200)
    return page.render("deals/notifications.html", notes=notes, unread=unread_count(page.session, page.user.id))


@router.post("/notifications/{notification_id:int}/read")
def read_form(page: PageDep, notification_id: int) -> RedirectResponse:
    """Mark one alert read and go back to the list."""
    try:
        mark_read(page.session, page.user.id, notification_id, page.request.app.state.clock.now())
    except SalesmindError:
        pass  # someone else's or gone: nothing to mark, the list shows what is there
    return RedirectResponse("/notifications", status_code=303)
