"""The inbox page: classified inbound replies with their suggested next actions and a correction form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from salesmind.conversations import reply_service
from salesmind.conversations.intents import INTENTS
from salesmind.core.errors import SalesmindError
from salesmind.web.deps import PageDep
from salesmind.web.nav import ENGAGE, NavItem, add_nav_item
from salesmind.web.score_panel import FLASH_KEY, flash

router = APIRouter()
PAGE_SIZE = 50
INTENT_PATTERN = "^(" + "|".join(i.name for i in INTENTS) + ")?$"


def add_reply_nav(app: FastAPI) -> None:
    """Put Inbox (everyone: reps see replies from their own leads and contacts) in the navigation bar."""
    add_nav_item(app, NavItem("Inbox", "/replies", group=ENGAGE))


@router.get("/replies", response_class=HTMLResponse)
def inbox_page(page: PageDep, intent: Annotated[str, Query(pattern=INTENT_PATTERN)] = "",
               page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1) -> HTMLResponse:
    """Classified replies, newest first, with intent, confidence, extractions and the suggested action."""
    items, total = reply_service.inbox(page.session, page.scope, intent=intent or None, limit=PAGE_SIZE,
                                       offset=(page_no - 1) * PAGE_SIZE)
    return page.render("replies/inbox.html", items=items, total=total, intent=intent, intents=INTENTS,
                       page_no=page_no, has_next=page_no * PAGE_SIZE < total,
                       flash=page.request.session.pop(FLASH_KEY, None))


@router.post("/replies/{classification_id:int}/correction")
def correction_form(page: PageDep, classification_id: int, intent: Annotated[str, Form()]) -> RedirectResponse:
    """Store a rep's corrected intent and go back to the inbox."""
    try:
        reply_service.correct(page.session, page.scope, classification_id, intent, page.user)
        flash(page, "ok", f"Reply {classification_id} marked as {intent}; the next retraining will learn from it.")
    except SalesmindError as exc:
        flash(page, "error", str(exc))
    return RedirectResponse(f"/replies#reply-{classification_id}", status_code=303)
