"""What every page gets: the logged-in user (or a redirect to /login), their scope, and rendering."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from salesmind.api.deps import SessionDep, optional_user
from salesmind.core.errors import NotFound
from salesmind.data.models import Role, User
from salesmind.data.records import get_record
from salesmind.data.scope import Scope
from salesmind.web.nav import links_to_page, nav_entries, nav_for


class LoginRequired(Exception):
    """Raised by a page when nobody is logged in; answered with a redirect to the login form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path

    @property
    def login_url(self) -> str:
        """``/login?next=...`` back to the page that was asked for."""
        return f"/login?next={quote(self.next_path, safe='/')}"


@dataclass(frozen=True)
class Viewer:
    """Who is looking, as the navigation bar shows them (kept after the request's session has closed)."""

    id: int
    name: str
    role: Role
    timezone: str

    @classmethod
    def of(cls, user: User) -> "Viewer":
        """Snapshot a user."""
        return cls(user.id, user.name, user.role, user.timezone or "UTC")


class PageNotFound(Exception):
    """A missing or out-of-scope record, or an unknown page; answered with the 404 page."""


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page template with the viewer and the navigation bar filled in."""
    user = getattr(request.state, "viewer", None)
    nav = nav_for(request.app, user)
    context.update(user=user, nav=nav_entries(nav), path=request.url.path,
                   linkable=lambda link: links_to_page(nav, link))
    templates = request.app.state.web_templates
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def page_user(request: Request, user: Annotated[User | None, Depends(optional_user)]) -> User:
    """The logged-in user, or :class:`LoginRequired`."""
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    request.state.viewer = Viewer.of(user)
    return user


@dataclass
class Page:
    """One page request: the database session, the viewer and what they may see."""

    request: Request
    session: Session
    user: User
    scope: Scope

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """Render ``template`` for this viewer."""
        return render(self.request, template, status_code, can_see=self.scope.can_see, **context)

    def record(self, kind: str, record_id: int) -> Any:
        """A record the viewer may see, or :class:`PageNotFound` (never revealing that it exists)."""
        try:
            return get_record(self.session, self.scope, kind, record_id)
        except NotFound as exc:
            raise PageNotFound(str(exc)) from None


def get_page(request: Request, session: SessionDep, user: Annotated[User, Depends(page_user)]) -> Page:
    """Build the :class:`Page` for a logged-in request."""
    return Page(request, session, user, Scope.for_user(session, user))


PageDep = Annotated[Page, Depends(get_page)]
