"""The discounts page (model card for managers and admins; the guardrail form for admins) and the deal
page's discount what-if panel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from salesmind.core.errors import NotFound, SalesmindError
from salesmind.data.models import Role
from salesmind.discounts import (
    DEFAULT,
    NoDiscountModel,
    deal_discount,
    list_guardrails,
    model_card,
    set_guardrails,
)
from salesmind.web.deps import Page, PageDep, PageNotFound
from salesmind.web.discount_charts import calibration_chart, deal_discount_chart, response_chart
from salesmind.web.nav import MANAGE, NavItem, add_nav_item
from salesmind.web.score_panel import FLASH_KEY, flash

router = APIRouter()
SEGMENTS = ("", "smb", "mid_market", "enterprise")
MODEL_NAMES = {"monotone_lightgbm": "Monotone LightGBM (serving)", "unconstrained_lightgbm": "Unconstrained LightGBM",
               "logistic_regression": "Logistic regression"}


def add_discounts_nav(app: FastAPI) -> None:
    """Put Discounts (managers read the model card, admins also set the guardrails) in the Manage menu."""
    add_nav_item(app, NavItem("Discounts", "/discounts", roles=frozenset({Role.MANAGER, Role.ADMIN}), group=MANAGE))


def discount_panel(page: Page, opportunity_id: int, is_open: bool) -> dict[str, Any]:
    """What the deal page's discount panel shows: the recommendation and chart, or why there is none."""
    if not is_open:
        return {"open": False}
    try:
        rec = deal_discount(page.session, page.scope, opportunity_id)
    except NoDiscountModel as exc:
        return {"open": True, "message": str(exc), "no_model": True}
    except (NotFound, SalesmindError) as exc:
        return {"open": True, "message": str(exc)}
    return {"open": True, "rec": rec, "chart": deal_discount_chart(rec)}


@router.get("/discounts", response_class=HTMLResponse)
def discounts_page(page: PageDep) -> HTMLResponse:
    """The discount model card (metrics against the baselines, calibration, response) and the guardrails."""
    if page.user.role not in (Role.MANAGER, Role.ADMIN):
        raise PageNotFound("The discounts page is for managers and admins.")
    card = model_card(page.session)
    rules = {g.segment: g for g in list_guardrails(page.session)}
    return page.render("discounts/page.html", card=card, model_names=MODEL_NAMES, rules=rules, segments=SEGMENTS,
                       fallback=DEFAULT, can_edit=page.user.role == Role.ADMIN,
                       flash=page.request.session.pop(FLASH_KEY, None),
                       calibration=calibration_chart(card.get("reliability", [])) if card else None,
                       response=response_chart(card.get("response", {})) if card else None)


@router.post("/discounts/guardrails")
async def guardrails_form(page: PageDep, request: Request) -> RedirectResponse:
    """Save every guardrail rule at once (admins); a blank max for a segment means no rule for it."""
    if page.user.role != Role.ADMIN:
        raise PageNotFound("Only admins set discount guardrails.")
    form = await request.form()
    rules = []
    for segment in SEGMENTS:
        key = segment or "default"
        max_pct = str(form.get(f"max_{key}", "")).strip()
        if max_pct:
            rules.append({"segment": segment, "max_pct": max_pct, "objective": str(form.get(f"objective_{key}", "")),
                          "cost_pct": str(form.get(f"cost_{key}", "")).strip() or None})
    try:  # every rule validates before anything is written
        set_guardrails(page.session, rules, user_id=page.user.id, now=request.app.state.clock.now())
    except SalesmindError as exc:
        flash(page, "error", f"Nothing saved: {exc}")
        return RedirectResponse("/discounts#guardrails", status_code=303)
    flash(page, "ok", "Guardrails saved.")
    return RedirectResponse("/discounts#guardrails", status_code=303)
