"""Log in with email and password through a form; log out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from salesmind.api.deps import SESSION_USER_KEY, SessionDep, optional_user
from salesmind.core.errors import AuthenticationFailed
from salesmind.data.models import User
from salesmind.data.users import authenticate
from salesmind.web.deps import render

router = APIRouter()


def safe_next(target: str | None) -> str:
    """A local path to go to after login; anything else (other hosts, ``//evil``) becomes ``/``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: Annotated[User | None, Depends(optional_user)],
               next: str | None = None) -> Response:
    """The login form (or straight on, when already logged in)."""
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next), email="", error=None)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, session: SessionDep, email: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
    """Check the password; on success start a session and go to ``next``."""
    try:
        user = authenticate(session, email, password)
    except AuthenticationFailed as exc:
        return render(request, "login.html", 401, next=safe_next(next), email=email, error=str(exc).capitalize())
    request.session.clear()
    request.session[SESSION_USER_KEY] = user.id
    return RedirectResponse(safe_next(next), status_code=303)


@router.api_route("/logout", methods=["GET", "POST"])
def logout(request: Request) -> Response:
    """End the session and go back to the login form."""
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
