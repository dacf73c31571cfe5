"""Users and API keys: create, authenticate, look up by key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.core.errors import AuthenticationFailed, UserInputError
from salesmind.core.security import (
    MIN_PASSWORD_LENGTH,
    api_key_matches,
    hash_password,
    new_api_key,
    split_api_key,
    verify_password,
)
from salesmind.core.timeutil import utcnow
from salesmind.data.models import ApiKey, Role, User


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
    try:
        role = Role(role)
    except ValueError:
        raise UserInputError(f"role must be one of {[r.value for r in Role]}, not {role!r}") from None
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


def user_for_api_key(session: Session, presented: str, now: datetime | None = None) -> User:
    """The active user owning a valid, unrevoked key, or :class:`AuthenticationFailed`."""
    prefix = split_api_key(presented)
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix)) if prefix else None
    if key is None or key.revoked_at is not None or not api_key_matches(presented, key.key_hash):
        raise AuthenticationFailed("invalid API key")
    if not key.user.is_active:
        raise AuthenticationFailed("the key's user is deactivated")
    key.last_used_at = now or utcnow()
    return key.user
