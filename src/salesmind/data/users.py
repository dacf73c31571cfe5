"""Users, teams and API keys: create, change, authenticate, look up and revoke keys."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.core.errors import AuthenticationFailed, NotFound, UserInputError
from salesmind.core.security import (
    MIN_PASSWORD_LENGTH,
    api_key_matches,
    hash_password,
    new_api_key,
    split_api_key,
    verify_password,
)
from salesmind.core.timeutil import utcnow, zone
from salesmind.data.models import ApiKey, Role, Team, User
from salesmind.data.scope import Scope


def create_user(session: Session, email: str, name: str, role: Role | str = Role.REP,
                password: str | None = None, team_id: int | None = None,
                timezone: str = "UTC") -> User:
    """Add a user; the email must be new and the password at least 8 characters."""
    email = email.strip().lower()
    if "@" not in email:
        raise UserInputError(f"{email!r} is not an email address")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserInputError(f"a user with email {email} already exists")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise UserInputError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    role = _role(role)
    _check_team(session, team_id)
    _check_zone(timezone)
    user = User(email=email, name=name, role=role, team_id=team_id, timezone=timezone,
                password_hash=hash_password(password) if password else None)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User:
    """The active user with this email and password, or :class:`AuthenticationFailed`."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active or not verify_password(password, user.password_hash):
        raise AuthenticationFailed("wrong email or password")
    return user


def create_api_key(session: Session, user: User, name: str) -> tuple[ApiKey, str]:
    """Make an API key for ``user``; returns the record and the key, shown only this once."""
    full, prefix, key_hash = new_api_key()
    key = ApiKey(user_id=user.id, name=name, prefix=prefix, key_hash=key_hash)
    session.add(key)
    session.flush()
    return key, full


#: How finely an API key's last use is recorded.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def user_for_api_key(session: Session, presented: str, now: datetime | None = None) -> User:
    """The active user owning a valid, unrevoked key, or :class:`AuthenticationFailed`."""
    prefix = split_api_key(presented)
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix)) if prefix else None
    if key is None or key.revoked_at is not None or not api_key_matches(presented, key.key_hash):
        raise AuthenticationFailed("invalid API key")
    if not key.user.is_active:
        raise AuthenticationFailed("the key's user is deactivated")
    moment = now or utcnow()
    # Stamped at most once a minute: a write per request would make every API call a writer
    # (on SQLite, holding the database's one write lock while the request runs).
    if key.last_used_at is None or moment - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = moment
    return key.user


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise UserInputError(f"role must be one of {[r.value for r in Role]}, not {role!r}") from None


def _check_zone(name: str) -> None:
    try:
        zone(name)
    except OSError:  # zoneinfo raises IsADirectoryError for names like "America"
        raise UserInputError(f"unknown time zone {name!r} (use an IANA name like 'Europe/Berlin')") from None


def _check_team(session: Session, team_id: int | None) -> None:
    if team_id is not None and session.get(Team, team_id) is None:
        raise UserInputError(f"team_id {team_id}: there is no such team")


def visible_users(session: Session, scope: Scope) -> list[User]:
    """Active users whose records ``scope`` shows (a rep: only themselves), by name: the owner pickers' choices."""
    stmt = select(User).where(User.is_active.is_(True)).order_by(User.name)
    return list(session.scalars(scope.restrict(stmt, User.id)))


def list_users(session: Session) -> list[User]:
    """Every user, by name."""
    return list(session.scalars(select(User).order_by(User.name, User.id)))


def update_user(session: Session, user_id: int, *, name: str | None = None, role: Role | str | None = None,
                team_id: int | None = None, clear_team: bool = False, timezone: str | None = None,
                is_active: bool | None = None, password: str | None = None) -> User:
    """Change a user's name, role, team, zone, active flag or password."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise UserInputError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if name is not None:
        user.name = name
    if role is not None:
        user.role = _role(role)
    if team_id is not None or clear_team:
        _check_team(session, team_id)
        user.team_id = team_id
    if timezone is not None:
        _check_zone(timezone)
        user.timezone = timezone
    if is_active is not None:
        user.is_active = is_active
    if password is not None:
        user.password_hash = hash_password(password)
    session.flush()
    return user


def list_teams(session: Session) -> list[Team]:
    """Every team, by name."""
    return list(session.scalars(select(Team).order_by(Team.name)))


def create_team(session: Session, name: str, manager_id: int | None = None) -> Team:
    """Add a team with a new name, led by an existing manager (or nobody yet)."""
    name = name.strip()
    if not name:
        raise UserInputError("a team needs a name")
    if session.scalar(select(Team.id).where(Team.name == name)) is not None:
        raise UserInputError(f"a team called {name!r} already exists")
    if manager_id is not None:
        manager = session.get(User, manager_id)
        if manager is None or manager.role not in (Role.MANAGER, Role.ADMIN):
            raise UserInputError(f"manager_id {manager_id}: there is no such manager")
    team = Team(name=name, manager_id=manager_id)
    session.add(team)
    session.flush()
    return team


def team_named(session: Session, name: str) -> Team:
    """The team called ``name``, created when missing."""
    team = session.scalar(select(Team).where(Team.name == name.strip()))
    return team or create_team(session, name)


def list_api_keys(session: Session, user: User) -> list[ApiKey]:
    """The user's API keys, newest first, revoked ones included."""
    stmt = select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    return list(session.scalars(stmt))


def revoke_api_key(session: Session, user: User, key_id: int, now: datetime | None = None) -> ApiKey:
    """Revoke one of the user's keys (revoking twice is harmless)."""
    key = session.get(ApiKey, key_id)
    if key is None or key.user_id != user.id:
        raise NotFound(f"API key {key_id} not found")
    if key.revoked_at is None:
        key.revoked_at = now or utcnow()
    session.flush()
    return key
