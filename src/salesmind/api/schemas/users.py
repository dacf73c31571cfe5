"""Users, teams, login and API keys."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from salesmind.api.schemas.common import Input, Public, RecordId, public, text
from salesmind.core.security import MIN_PASSWORD_LENGTH
from salesmind.data.models import Role

Password = text(1024, MIN_PASSWORD_LENGTH)


class Login(Input):
    """Email and password."""

    email: text(254, 1)
    password: text(1024, 1)


class UserBase(Input):
    """What describes a user."""

    name: text(200, 1)
    role: Role = Role.REP
    team_id: RecordId | None = None
    timezone: text(64, 1) = "UTC"


class UserCreate(UserBase):
    """A new user; without a password the user can only use API keys."""

    email: text(254, 3)
    password: Password | None = None


class UserUpdate(Input):
    """Fields to change on a user; the others stay."""

    name: text(200, 1) = None
    role: Role = None
    team_id: RecordId | None = None
    timezone: text(64, 1) = None
    is_active: bool = None
    password: Password = None


UserPublic = public(UserBase, "UserPublic", "A user as the API shows it (never the password hash).",
                    id=(int, ...), email=(str, ...), is_active=(bool, ...), created_at=(datetime, ...))


class TeamCreate(Input):
    """A new team and, optionally, its manager."""

    name: text(120, 1)
    manager_id: RecordId | None = None


TeamPublic = public(TeamCreate, "TeamPublic", "A team.", id=(int, ...))


class ApiKeyCreate(Input):
    """A name to recognise the key by."""

    name: text(120, 1) = Field(examples=["nightly sync"])


class ApiKeyPublic(Public):
    """An API key's description (the key itself is shown only when made)."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    """A new key: ``key`` is shown this once and cannot be read again."""

    key: str
