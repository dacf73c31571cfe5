"""The win/loss pages: every competitor's win rate with its interval and the loss reasons (``/battlecards``),
and one competitor's battle card (``/battlecards/{name}``, names URL-encoded, ``_none`` for no competitor)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import HTMLResponse

from salesmind.analytics.battlecards import battle_card, winloss_summary
from salesmind.analytics.cache import cached
from salesmind.analytics.winloss import MIN_CLOSED
from salesmind.core.errors import NotFound, UserInputError
from salesmind.data.models import Role
from salesmind.web.deps import PageDep, PageNotFound
from salesmind.web.nav import MANAGE, NavItem, add_nav_item
from salesmind.web.winloss_charts import (
    factor_chart,
    loss_reason_chart,
    trend_chart,
    win_rate_chart,
)

router = APIRouter()
NO_COMPETITOR_PATH = "_none"
Day = Annotated[date | None, Query()]


def add_battlecards_nav(app: FastAPI) -> None:
    """Put Win/loss (managers and admins) in the Manage menu."""
    add_nav_item(app, NavItem("Win/loss", "/battlecards", roles=frozenset({Role.MANAGER, Role.ADMIN}), group=MANAGE))


def card_path(name: str) -> str:
    """The page path of a competitor's card (the name URL-encoded; '' is ``_none``)."""
    from urllib.parse import quote

    return f"/battlecards/{quote(name, safe='') if name else NO_COMPETITOR_PATH}"


@router.get("/battlecards", response_class=HTMLResponse)
def winloss_page(page: PageDep, since: Day = None, until: Day = None) -> HTMLResponse:
    """Competitors with win rates and intervals, the adjusted odds ratios, and the loss reasons."""
    try:
        summary = cached(page.session, page.scope, "winloss-summary", (since, until),
                         lambda s: winloss_summary(s, page.scope, since=since, until=until))
    except UserInputError as exc:
        return page.render("battlecards/list.html", summary=None, problem=str(exc), since=since, until=until)
    return page.render("battlecards/list.html", summary=summary, problem=None, since=since, until=until,
                       card_path=card_path, min_closed=MIN_CLOSED,
                       rate_chart=win_rate_chart(summary.competitors, summary.rate),
                       reason_chart=loss_reason_chart(summary.loss_reasons))


@router.get("/battlecards/{name:path}", response_class=HTMLResponse)
def card_page(page: PageDep, name: str, since: Day = None, until: Day = None) -> HTMLResponse:
    """One competitor's battle card; 404 when no visible closed deal names it."""
    try:
        key = "" if name == NO_COMPETITOR_PATH else name
        card = cached(page.session, page.scope, "battle-card", (key, since, until),
                      lambda s: battle_card(s, page.scope, key, since=since, until=until))
    except NotFound as exc:
        raise PageNotFound(str(exc)) from None
    except UserInputError as exc:
        return page.render("battlecards/card.html", card=None, problem=str(exc), name=name, since=since, until=until)
    return page.render("battlecards/card.html", card=card, problem=None, name=name, since=since, until=until,
                       card_path=card_path, min_closed=MIN_CLOSED,
                       trend=trend_chart(card.trend, card.overall_trend, card.label),
                       factors_chart=factor_chart(card.factors))
