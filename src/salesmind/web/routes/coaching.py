"""The coaching pages: the team (metrics, win rates, top performers, talk ratio against win rate) and one rep's
report (metrics against the top performers and Gong's references, what to work on with moments, strengths)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse

from salesmind.conversations.coaching import METRICS, SPECS
from salesmind.conversations.coaching_views import rep_coaching, team_coaching
from salesmind.core.errors import NotFound
from salesmind.web.coaching_charts import talk_vs_win_chart
from salesmind.web.deps import PageDep, PageNotFound
from salesmind.web.nav import INSIGHTS, NavItem, add_nav_item

router = APIRouter()


def add_coaching_nav(app: FastAPI) -> None:
    """Put Coaching (everyone: reps see their own report) in the navigation bar, after Calls."""
    add_nav_item(app, NavItem("Coaching", "/coaching", group=INSIGHTS), before="Contacts")


@router.get("/coaching", response_class=HTMLResponse)
def team_page(page: PageDep) -> HTMLResponse:
    """Every visible rep with analysed calls, their metrics and win rate, and talk ratio against win rate."""
    team = team_coaching(page.session, page.scope)
    return page.render("coaching/team.html", team=team, metrics=METRICS, specs=SPECS, chart=talk_vs_win_chart(team.reps))


@router.get("/coaching/{user_id:int}", response_class=HTMLResponse)
def rep_page(page: PageDep, user_id: int) -> HTMLResponse:
    """One rep's report: metrics against top performers and references, what to work on with moments, strengths."""
    try:
        rep = rep_coaching(page.session, page.scope, user_id)
    except NotFound as exc:
        raise PageNotFound(str(exc)) from None
    return page.render("coaching/rep.html", rep=rep)
