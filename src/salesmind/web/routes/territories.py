"""The territory planner: settings form and plans list, one plan against the alternatives with its moves, apply."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from salesmind.core.errors import SalesmindError
from salesmind.data.models import Role
from salesmind.territories import (
    PlanSettings,
    apply_plan,
    discard_plan,
    get_plan,
    list_plans,
    plan,
    plan_assignments,
)
from salesmind.territories.views import move_rows
from salesmind.web.deps import Page, PageDep, PageNotFound
from salesmind.web.nav import MANAGE, NavItem, add_nav_item
from salesmind.web.score_panel import FLASH_KEY, flash
from salesmind.web.territory_charts import load_chart, objective_chart

router = APIRouter()
ROLES = frozenset({Role.MANAGER, Role.ADMIN})

#: Moves listed on a plan page, largest gain first (the CSV of the API has them all).
MOVES_SHOWN = 200


def add_territories_nav(app: FastAPI) -> None:
    """Put Territories (admins, and managers for their teams) in the Manage menu."""
    add_nav_item(app, NavItem("Territories", "/territories", roles=ROLES, group=MANAGE))


def _check(page: Page) -> None:
    if page.user.role not in ROLES:
        raise PageNotFound("The territory planner is for managers and admins.")


def _number(form: dict, key: str, kind: type = float):  # type: ignore[no-untyped-def,type-arg]
    text = str(form.get(key, "")).strip()
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        raise SalesmindError(f"{key.replace('_', ' ')} must be a number (got {text!r})") from None


@router.get("/territories", response_class=HTMLResponse)
def territories_page(page: PageDep) -> HTMLResponse:
    """The settings form and the plans the user may see."""
    _check(page)
    return page.render("territories/index.html", plans=list_plans(page.session, page.scope),
                       flash=page.request.session.pop(FLASH_KEY, None))


@router.post("/territories/plans")
async def create_plan(page: PageDep, request: Request) -> RedirectResponse:
    """Solve a plan with the form's settings, then show it (or say which constraint failed)."""
    _check(page)
    form = dict(await request.form())
    try:
        balance = _number(form, "balance_pct")
        settings = PlanSettings(capacity=_number(form, "capacity", int), capacity_value=_number(form, "capacity_value"),
                                balance=None if balance is None else balance / 100,
                                move_cost=(_number(form, "move_cost_pct") or 0.0) / 100,
                                same_region="same_region" in form, lock_late_stage="lock_late_stage" in form)
        made = plan(page.session, page.scope, settings, user=page.user, name=str(form.get("name") or "")[:200] or None)
    except SalesmindError as exc:
        flash(page, "error", f"No plan made: {exc}")
        return RedirectResponse("/territories", status_code=303)
    return RedirectResponse(f"/territories/plans/{made.id}", status_code=303)


@router.get("/territories/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(plan_id: int, page: PageDep, rep: int | None = None) -> HTMLResponse:
    """A plan: objective against the alternatives, per-rep load, and the moves (filtered by rep)."""
    _check(page)
    try:
        item = get_plan(page.session, page.scope, plan_id)
    except SalesmindError as exc:
        raise PageNotFound(str(exc)) from None
    summary = item.summary or {}
    reps = summary.get("reps", [])
    moves = move_rows(page.session, plan_assignments(page.session, plan_id, moved_only=True, rep_id=rep))
    moves.sort(key=lambda r: -(r["gain"] or 0))
    return page.render("territories/plan.html", plan=item, summary=summary, reps=reps, moves=moves[:MOVES_SHOWN],
                       moves_total=len(moves), rep=rep,
                       objective=objective_chart(summary.get("baselines", {})), load=load_chart(reps),
                       flash=page.request.session.pop(FLASH_KEY, None))


@router.post("/territories/plans/{plan_id}/apply")
def apply_form(plan_id: int, page: PageDep) -> RedirectResponse:
    """Apply the plan (all moves or none)."""
    _check(page)
    try:
        done = apply_plan(page.session, page.scope, plan_id, page.user)
        flash(page, "ok", f"Plan applied: {done.moves} accounts have new owners.")
    except SalesmindError as exc:
        flash(page, "error", f"Not applied: {exc}")
    return RedirectResponse(f"/territories/plans/{plan_id}", status_code=303)


@router.post("/territories/plans/{plan_id}/discard")
def discard_form(plan_id: int, page: PageDep) -> RedirectResponse:
    """Discard a draft plan."""
    _check(page)
    try:
        discard_plan(page.session, page.scope, plan_id)
        flash(page, "ok", "Plan discarded.")
    except SalesmindError as exc:
        flash(page, "error", str(exc))
    return RedirectResponse(f"/territories/plans/{plan_id}", status_code=303)
