"""Logging in and out, the caller's own profile, and their API keys."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from salesmind.api.deps import SESSION_USER_KEY, CurrentUser, NowDep, SessionDep
from salesmind.api.schemas.common import RecordId
from salesmind.api.schemas.users import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, Login, UserPublic
from salesmind.data.users import authenticate, create_api_key, list_api_keys, revoke_api_key

router = APIRouter(tags=["auth"])


@router.post("/auth/login", response_model=UserPublic)
def login(body: Login, request: Request, session: SessionDep) -> object:
    """Check email and password and start a cookie session."""
    user = authenticate(session, body.email, body.password)
    request.session.clear()  # a fresh session on every login
    request.session[SESSION_USER_KEY] = user.id
    return user


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request) -> Response:
    """End the cookie session (harmless when not logged in)."""
    request.session.clear()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> object:
    """The caller."""
    return user


@router.post("/me/api-keys", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED)
def make_api_key(body: ApiKeyCreate, user: CurrentUser, session: SessionDep) -> object:
    """Make an API key for the caller; the key is in this answer only."""
    key, full = create_api_key(session, user, body.name)
    return ApiKeyCreated.model_validate({**ApiKeyPublic.model_validate(key).model_dump(), "key": full})


@router.get("/me/api-keys", response_model=list[ApiKeyPublic])
def my_api_keys(user: CurrentUser, session: SessionDep) -> object:
    """The caller's API keys (never the keys themselves)."""
    return list_api_keys(session, user)


@router.delete("/me/api-keys/{id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_my_api_key(id: RecordId, user: CurrentUser, session: SessionDep, now: NowDep) -> Response:  # noqa: A002
    """Revoke one of the caller's API keys."""
    revoke_api_key(session, user, id, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
