"""The outbox page (status counts, recent messages, errors) and the public unsubscribe pages at /u/{token}.

The unsubscribe pages need no login: the signed token is the permission. GET shows a confirmation
button (mail scanners follow links, so a GET never unsubscribes); POST unsubscribes, both from that
button and from mail clients' RFC 8058 one-click requests.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse

from salesmind.api.deps import SessionDep
from salesmind.core.errors import UserInputError
from salesmind.data.models import Role
from salesmind.data.models.outreach import OUTBOX_STATUSES
from salesmind.engagement.mail import unsubscribe, views
from salesmind.web.deps import PageDep, render
from salesmind.web.nav import ENGAGE, NavItem, add_nav_item

router = APIRouter()
PAGE_SIZE = 50
STATUS_PATTERN = "^(" + "|".join(OUTBOX_STATUSES) + ")?$"


def add_mail_nav(app: FastAPI) -> None:
    """Put Outbox (managers and admins) in the navigation bar."""
    add_nav_item(app, NavItem("Outbox", "/outbox", frozenset({Role.MANAGER, Role.ADMIN}), group=ENGAGE))


@router.get("/outbox", response_class=HTMLResponse)
def outbox_page(page: PageDep, status: Annotated[str, Query(pattern=STATUS_PATTERN)] = "",
                errors: bool = False,
                page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1) -> HTMLResponse:
    """Outbox messages by status, newest first, with their errors."""
    items, total = views.list_outbox(page.session, page.scope, status=status or None, errors_only=errors,
                                     limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    return page.render("mail/outbox.html", items=items, total=total, status=status, errors=errors,
                       counts=views.status_counts(page.session, page.scope), page_no=page_no,
                       has_next=page_no * PAGE_SIZE < total)


def _target(request: Request, token: str) -> unsubscribe.UnsubscribeTarget:
    return unsubscribe.read_token(request.app.state.settings.secret_key, token)


@router.get("/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
    """Confirm before unsubscribing (a GET changes nothing)."""
    try:
        _target(request, token)
    except UserInputError as exc:
        return render(request, "mail/unsubscribe.html", 400, state="invalid", error=str(exc), token=None)
    return render(request, "mail/unsubscribe.html", state="confirm", error=None, token=token)


@router.post("/u/{token}", response_class=HTMLResponse)
def unsubscribe_now(request: Request, token: str, session: SessionDep) -> HTMLResponse:
    """Unsubscribe: the page's button, or a mail client's one-click POST (``List-Unsubscribe=One-Click``)."""
    try:
        unsubscribe.unsubscribe(session, _target(request, token), source="unsubscribe link")
    except UserInputError as exc:
        return render(request, "mail/unsubscribe.html", 400, state="invalid", error=str(exc), token=None)
    return render(request, "mail/unsubscribe.html", state="done", error=None, token=None)
