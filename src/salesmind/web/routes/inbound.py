"""Inbound pages: the public form endpoint (/f/{form_key}) and its thank-you page, and the Inbound page for
managers and admins (response times, recent submissions, routing rules, the form snippet to embed).

The form endpoint needs no login: the key in its address is the permission, a wrong key is a 404.
A filled honeypot field (hidden from people, filled by bots) gets the thank-you page and stores nothing.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from salesmind.core.errors import NotFound, SalesmindError
from salesmind.data.models import Role, User
from salesmind.engagement import inbound
from salesmind.web.deps import PageDep, PageNotFound, render
from salesmind.web.inbound_charts import daily_share, response_histogram
from salesmind.web.nav import ENGAGE, NavItem, add_nav_item

router = APIRouter()
HONEYPOT = "website"
MAX_FIELDS = 60


def add_inbound_nav(app: FastAPI) -> None:
    """Put Inbound (managers and admins) in the navigation bar."""
    add_nav_item(app, NavItem("Inbound", "/inbound", frozenset({Role.MANAGER, Role.ADMIN}), group=ENGAGE))


def _check_key(request: Request, key: str) -> None:
    if key != inbound.form_key(request.app.state.settings):
        raise PageNotFound("no such form")


def _wants_json(request: Request) -> bool:
    return request.query_params.get("format") == "json" or "application/json" in request.headers.get("accept", "")


def _headline(exc: SalesmindError) -> str:
    return str(exc.args[0]) if exc.args else str(exc)


def _form_error(request: Request, exc: SalesmindError, as_json: bool) -> Response:
    if as_json:
        return JSONResponse(exc.to_dict(), status_code=exc.http_status)
    issues = getattr(exc, "issues", [])
    return render(request, "inbound/thanks.html", exc.http_status, ok=False, message=_headline(exc),
                  issues=[(i.column or "form", i.reason) for i in issues])


@router.post("/f/{key}", response_model=None)
async def public_form(request: Request, key: str) -> Response:
    """A submission from the embeddable form: 303 to the thank-you page (or JSON when asked); 422 with each field's
    problem, nothing stored."""
    _check_key(request, key)
    as_json = _wants_json(request)
    form = await request.form(max_fields=MAX_FIELDS, max_files=0)
    payload: dict[str, Any] = {}
    for name, value in form.multi_items():
        if not isinstance(value, str):
            continue
        payload[name] = [*payload[name], value] if isinstance(payload.get(name), list) else \
            ([payload[name], value] if name in payload else value)
    if payload.pop(HONEYPOT, ""):
        return JSONResponse({"ok": True}, status_code=202) if as_json else \
            RedirectResponse(f"/f/{key}/thanks", status_code=303)
    source = str(payload.pop("source", "") or "form")[:120]
    try:
        made = inbound.handle_submission(request.app.state.database, payload, source=source,
                                         now=request.app.state.clock.now())
    except SalesmindError as exc:
        return _form_error(request, exc, as_json)
    if as_json:
        return JSONResponse({"ok": True, "submission_id": made.id}, status_code=201)
    return RedirectResponse(f"/f/{key}/thanks", status_code=303)


@router.get("/f/{key}/thanks", response_class=HTMLResponse)
def thanks(request: Request, key: str) -> HTMLResponse:
    """The public thank-you page."""
    _check_key(request, key)
    return render(request, "inbound/thanks.html", ok=True, message=None, issues=[])


def form_snippet(action: str) -> str:
    """The plain HTML form to paste into a website (no scripts; the hidden field catches bots)."""
    return f"""<form method="post" action="{action}" accept-charset="utf-8">
  <p><label>First name <input name="first_name" maxlength="120" autocomplete="given-name"></label></p>
  <p><label>Last name <input name="last_name" maxlength="120" autocomplete="family-name"></label></p>
  <p><label>Work email <input name="email" type="email" required maxlength="254" autocomplete="email"></label></p>
  <p><label>Company <input name="company" maxlength="255" autocomplete="organization"></label></p>
  <p><label>Job title <input name="title" maxlength="200"></label></p>
  <p><label>Phone <input name="phone" type="tel" maxlength="40" autocomplete="tel"></label></p>
  <p><label>Country <input name="country" maxlength="64" autocomplete="country-name"></label></p>
  <p><label>Employees <input name="employees" type="number" min="1"></label></p>
  <p><label>How can we help? <textarea name="message" maxlength="5000"></textarea></label></p>
  <p><label><input type="checkbox" name="consent" value="yes"> You may email me about this request</label></p>
  <p style="position:absolute;left:-10000px" aria-hidden="true"><label>Leave empty <input name="{HONEYPOT}" tabindex="-1" autocomplete="off"></label></p>
  <p><button type="submit">Send</button></p>
</form>"""


def _admin_only(page: Any) -> None:
    if page.user.role != Role.ADMIN:
        raise PageNotFound("only admins change routing rules")


@router.get("/inbound", response_class=HTMLResponse)
def inbound_page(page: PageDep, days: Annotated[int, Query(ge=1, le=365)] = 30,
                 error: Annotated[str, Query(max_length=300)] = "") -> HTMLResponse:
    """The response-time report, recent submissions, routing rules (admins edit) and the form snippet."""
    if page.user.role not in (Role.MANAGER, Role.ADMIN):
        raise PageNotFound("the inbound page is for managers and admins")
    request, session = page.request, page.session
    settings = request.app.state.settings
    now = request.app.state.clock.now() + timedelta(seconds=1)  # the end is exclusive: include just now
    report = inbound.response_time_report(session, page.scope, start=now - timedelta(days=days), end=now,
                                          target_minutes=settings.inbound.reply_minutes)
    users = {u.id: u for u in session.query(User).all()}
    action = f"{settings.mail.public_url}/f/{inbound.form_key(settings)}"
    return page.render("inbound/index.html", report=report, days=days, error=error,
                       submissions=inbound.recent_submissions(session, page.scope, limit=50), users=users,
                       rules=inbound.list_rules(session) if page.user.role == Role.ADMIN else [],
                       histogram=response_histogram(report.sent_minutes, settings.inbound.reply_minutes),
                       trend=daily_share(report.daily), snippet=form_snippet(action))


def _rule(page: Any, rule_id: int) -> Any:
    try:
        return inbound.get_rule(page.session, rule_id) if 0 < rule_id < 2**31 else inbound.get_rule(page.session, 0)
    except NotFound as exc:
        raise PageNotFound(str(exc)) from None


def _ids(text: str) -> list[int]:
    return [int(p) for p in text.replace(",", " ").split() if p.isdigit() and len(p) < 10]


@router.post("/inbound/rules", response_model=None)
def add_rule(page: PageDep, name: Annotated[str, Form(max_length=200)] = "",
             kind: Annotated[str, Form(max_length=32)] = "", assignees: Annotated[str, Form(max_length=2000)] = "",
             min_employees: Annotated[str, Form(max_length=12)] = "",
             min_budget: Annotated[str, Form(max_length=16)] = "") -> Response:
    """Add a rule from the page's form (admins)."""
    _admin_only(page)
    conditions: dict[str, Any] = {}
    if min_employees.strip().isdigit():
        conditions["min_employees"] = int(min_employees)
    if min_budget.strip().replace(".", "", 1).isdigit():
        conditions["min_budget"] = float(min_budget)
    try:
        inbound.create_rule(page.session, name=name, kind=kind, conditions=conditions or None,
                            assignee_ids=_ids(assignees))
    except SalesmindError as exc:
        page.session.rollback()
        return RedirectResponse(f"/inbound?error={quote(_headline(exc)[:250])}#rules", status_code=303)
    return RedirectResponse("/inbound#rules", status_code=303)


@router.post("/inbound/rules/{rule_id}/toggle", response_model=None)
def toggle_rule(page: PageDep, rule_id: int) -> Response:
    """Switch a rule on or off (admins)."""
    _admin_only(page)
    rule = _rule(page, rule_id)
    inbound.update_rule(page.session, rule.id, is_active=not rule.is_active)
    return RedirectResponse("/inbound#rules", status_code=303)


@router.post("/inbound/rules/{rule_id}/delete", response_model=None)
def remove_rule(page: PageDep, rule_id: int) -> Response:
    """Delete a rule (admins)."""
    _admin_only(page)
    inbound.delete_rule(page.session, _rule(page, rule_id).id)
    return RedirectResponse("/inbound#rules", status_code=303)
