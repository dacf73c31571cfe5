"""Users and teams: admins manage them; everyone may list teams."""

from __future__ import annotations

from fastapi import APIRouter, status

from salesmind.api.deps import AdminUser, CurrentUser, SessionDep
from salesmind.api.schemas.common import RecordId
from salesmind.api.schemas.users import TeamCreate, TeamPublic, UserCreate, UserPublic, UserUpdate
from salesmind.data.users import create_team, create_user, list_teams, list_users, update_user

router = APIRouter(tags=["users"])


@router.get("/users", response_model=list[UserPublic])
def get_users(_admin: AdminUser, session: SessionDep) -> object:
    """Every user (admins only)."""
    return list_users(session)


@router.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def add_user(body: UserCreate, _admin: AdminUser, session: SessionDep) -> object:
    """Add a user (admins only)."""
    return create_user(session, body.email, body.name, body.role, password=body.password,
                       team_id=body.team_id, timezone=body.timezone)


@router.patch("/users/{id}", response_model=UserPublic)
def change_user(id: RecordId, body: UserUpdate, _admin: AdminUser, session: SessionDep) -> object:  # noqa: A002
    """Change a user's name, role, team, zone, password or active flag (admins only)."""
    changes = body.model_dump(exclude_unset=True)
    clear_team = "team_id" in changes and changes["team_id"] is None
    return update_user(session, id, clear_team=clear_team, **changes)


@router.get("/teams", response_model=list[TeamPublic])
def get_teams(_user: CurrentUser, session: SessionDep) -> object:
    """Every team."""
    return list_teams(session)


@router.post("/teams", response_model=TeamPublic, status_code=status.HTTP_201_CREATED)
def add_team(body: TeamCreate, _admin: AdminUser, session: SessionDep) -> object:
    """Add a team (admins only)."""
    return create_team(session, body.name, body.manager_id)
