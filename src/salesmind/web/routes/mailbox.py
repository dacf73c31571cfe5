"""The mail catcher's pages: what salesmind sent through SMTP while ``serve --mail-catcher`` runs.

Managers and admins see every caught message (it is the demo's or a trial's outgoing mail, not
anyone's inbox); links in a message (unsubscribe, booking) work, so the whole flow can be tried.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Path as PathParam
from fastapi.responses import HTMLResponse

from salesmind.core.errors import NotFound
from salesmind.data.models import Role
from salesmind.engagement.mail.catcher import caught_mail, caught_one, mailbox_folder
from salesmind.web.deps import PageDep, PageNotFound
from salesmind.web.nav import ENGAGE, NavItem, add_nav_item

router = APIRouter()
READERS = frozenset({Role.MANAGER, Role.ADMIN})


def add_mailbox_nav(app: FastAPI) -> None:
    """Put Mailbox (managers and admins) in the navigation bar when the mail catcher runs."""
    if app.state.settings.mail.catcher:
        add_nav_item(app, NavItem("Mailbox", "/mailbox", READERS, group=ENGAGE))


def _folder(page: PageDep):  # type: ignore[no-untyped-def]
    if page.user.role not in READERS:
        raise PageNotFound("the mailbox is for managers and admins")
    return mailbox_folder(page.request.app.state.settings.home)


@router.get("/mailbox", response_class=HTMLResponse)
def mailbox_page(page: PageDep) -> HTMLResponse:
    """Caught messages, newest first."""
    folder = _folder(page)
    return page.render("mail/mailbox.html", items=caught_mail(folder, limit=200),
                       running=page.request.app.state.settings.mail.catcher, folder=folder)


@router.get("/mailbox/{key}", response_class=HTMLResponse)
def caught_page(page: PageDep, key: Annotated[str, PathParam(pattern=r"^[\w.,:=-]{1,200}$")]) -> HTMLResponse:
    """One caught message: headers, text and attachments."""
    try:
        mail = caught_one(_folder(page), key)
    except NotFound as exc:
        raise PageNotFound(str(exc)) from None
    headers = [(name, str(value)) for name, value in mail.message.items()]
    return page.render("mail/caught.html", mail=mail, headers=headers)
