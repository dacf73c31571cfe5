"""The cadence pages: sequences with their performance, one sequence (steps, build form, enrol, per-step
funnel), today's tasks for the signed-in rep, and an experiment's posterior plot."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form
from fastapi.responses import HTMLResponse, RedirectResponse

from salesmind.core.errors import NotFound, SalesmindError, UserInputError
from salesmind.data.models import Role
from salesmind.engagement.cadences import create_sequence, replace_steps
from salesmind.engagement.cadences.reports import (
    experiment_report,
    sequence_report,
    sequences_overview,
)
from salesmind.engagement.cadences.service import enrol_visible, enrolments, get_sequence
from salesmind.engagement.cadences.tasks import complete_task, todays_tasks
from salesmind.engagement.drafts import list_templates
from salesmind.web.deps import PageDep, PageNotFound
from salesmind.web.nav import ENGAGE, NavItem, add_nav_item
from salesmind.web.score_panel import FLASH_KEY, flash
from salesmind.web.sequence_charts import funnel_chart, posterior_chart

router = APIRouter()
Field = Annotated[list[str], Form()]


def add_sequences_nav(app: FastAPI) -> None:
    """Put Sequences and Tasks in the navigation bar."""
    add_nav_item(app, NavItem("Sequences", "/sequences", group=ENGAGE))
    add_nav_item(app, NavItem("Tasks", "/tasks", group=ENGAGE))


def _builds(page: Any) -> bool:
    return page.user.role in (Role.MANAGER, Role.ADMIN)


@router.get("/sequences", response_class=HTMLResponse)
def sequences_page(page: PageDep) -> HTMLResponse:
    """Every sequence with enrolments, emails sent, replies (with intervals) and meetings."""
    return page.render("sequences/list.html", reports=sequences_overview(page.session, page.scope),
                       can_build=_builds(page), flash=page.request.session.pop(FLASH_KEY, None))


@router.post("/sequences")
def create_form(page: PageDep, name: Annotated[str, Form(max_length=200)] = "") -> RedirectResponse:
    """Create a sequence (managers and admins) with one intro email to start from."""
    if not _builds(page):
        raise PageNotFound("only managers and admins build sequences")
    try:
        sequence = create_sequence(page.session, name, [{"kind": "email", "template": "intro"}],
                                   created_by_id=page.user.id)
    except SalesmindError as exc:
        flash(page, "error", str(exc))
        return RedirectResponse("/sequences", status_code=303)
    flash(page, "ok", "Sequence created: add its steps below.")
    return RedirectResponse(f"/sequences/{sequence.id}", status_code=303)


@router.get("/sequences/{sequence_id:int}", response_class=HTMLResponse)
def sequence_page(page: PageDep, sequence_id: int) -> HTMLResponse:
    """A sequence's steps (with a build form for managers), enrol form, funnel chart and latest enrolments."""
    try:
        sequence, steps = get_sequence(page.session, sequence_id)
    except NotFound as exc:
        raise PageNotFound(str(exc)) from None
    report = sequence_report(page.session, page.scope, sequence_id)
    return page.render("sequences/show.html", sequence=sequence, steps=steps, report=report,
                       chart=funnel_chart(report.steps), enrolments=enrolments(page.session, page.scope, sequence_id),
                       can_build=_builds(page), templates=[t.name for t in list_templates(page.request.app.state
                                                                                        .database.settings)],
                       flash=page.request.session.pop(FLASH_KEY, None))


@router.post("/sequences/{sequence_id:int}/steps")
def steps_form(page: PageDep, sequence_id: int, kind: Field, wait_days: Field, template: Field, manual: Field,
               instructions: Field, order: Field, remove: Annotated[list[str], Form()] = []) -> RedirectResponse:  # noqa: B006
    """Replace the steps from the build form: edited rows, removed rows, the new row, in the given order."""
    if not _builds(page):
        raise PageNotFound("only managers and admins build sequences")
    try:
        rows = _rows(kind, wait_days, template, manual, instructions, order, set(remove))
        replace_steps(page.session, sequence_id, rows, page.request.app.state.database.settings)
        flash(page, "ok", f"Saved {len(rows)} steps.")
    except SalesmindError as exc:
        page.session.rollback()
        flash(page, "error", str(exc))
    return RedirectResponse(f"/sequences/{sequence_id}#steps", status_code=303)


def _rows(kind: list[str], wait_days: list[str], template: list[str], manual: list[str], instructions: list[str],
          order: list[str], removed: set[str]) -> list[dict[str, Any]]:
    """The form's parallel columns as step mappings, in the order typed (blank rows and removed rows dropped)."""
    columns = (kind, wait_days, template, manual, instructions, order)
    if len({len(c) for c in columns}) != 1 or len(kind) > 31:
        raise UserInputError("the steps form is incomplete: reload the page and try again")
    rows = []
    for i, (k, w, t, m, text, o) in enumerate(zip(*columns)):
        if str(i) in removed or not k.strip():
            continue
        try:
            position = float(o) if o.strip() else float(i + 1)
            wait = float(w) if w.strip() else 0.0
        except ValueError:
            raise UserInputError(f"row {i + 1}: order and wait must be numbers") from None
        rows.append((position, i, {"kind": k, "wait_days": wait, "template": t or None, "manual": m == "yes",
                                   "instructions": text.strip() or None}))
    return [r for _, _, r in sorted(rows, key=lambda r: (r[0], r[1]))]


@router.post("/sequences/{sequence_id:int}/enrol")
def enrol_form(page: PageDep, sequence_id: int, who: Annotated[str, Form(max_length=254)] = "") -> RedirectResponse:
    """Enrol a visible lead by id or a lead or contact by email."""
    who = who.strip()
    try:
        lead_id = int(who) if who.isdigit() else None
        enrol_visible(page.session, page.scope, sequence_id, page.request.app.state.clock.now(), lead_id=lead_id,
                      email=None if lead_id is not None else who)
        flash(page, "ok", f"Enrolled {who}.")
    except SalesmindError as exc:
        page.session.rollback()
        flash(page, "error", str(exc))
    return RedirectResponse(f"/sequences/{sequence_id}#enrol", status_code=303)


@router.get("/tasks", response_class=HTMLResponse)
def tasks_page(page: PageDep) -> HTMLResponse:
    """The signed-in user's tasks for today: overdue first, then by priority."""
    now = page.request.app.state.clock.now()
    return page.render("sequences/tasks.html", tasks=todays_tasks(page.session, page.scope, now, user_id=page.user.id),
                       now=now, flash=page.request.session.pop(FLASH_KEY, None))


@router.post("/tasks/{task_id:int}")
def task_form(page: PageDep, task_id: int, action: Annotated[str, Form(pattern="^(done|skip)$")] = "done"
              ) -> RedirectResponse:
    """Mark a task done or skipped."""
    try:
        complete_task(page.session, page.scope, task_id, page.request.app.state.clock.now(), skip=action == "skip",
                      settings=page.request.app.state.database.settings)
        flash(page, "ok", "Task skipped." if action == "skip" else "Task done.")
    except NotFound as exc:
        raise PageNotFound(str(exc)) from None
    except SalesmindError as exc:
        page.session.rollback()
        flash(page, "error", str(exc))
    return RedirectResponse("/tasks", status_code=303)


@router.get("/experiments/{experiment_id:int}", response_class=HTMLResponse)
def experiment_page(page: PageDep, experiment_id: int) -> HTMLResponse:
    """An experiment's arms: posterior densities, means with 95% intervals, lift against the control."""
    try:
        report = experiment_report(page.session, experiment_id)
    except NotFound as exc:
        raise PageNotFound(str(exc)) from None
    return page.render("sequences/experiment.html", report=report, chart=posterior_chart(report.arms))
