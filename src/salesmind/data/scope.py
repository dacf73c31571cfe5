"""Who may see what: a rep sees their own book, a manager their teams', an admin everything.

Every query for owned records goes through :meth:`Scope.restrict`, so visibility is
decided in one place for the API, the web pages and the CLI alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from salesmind.core.errors import NotFound
from salesmind.data.models import Role, Team, User

S = TypeVar("S", bound=Select[Any])


@dataclass(frozen=True)
class Scope:
    """The set of record owners a caller may see (``None`` means every record)."""

    user_id: int | None
    role: Role
    owner_ids: frozenset[int] | None

    @classmethod
    def everything(cls) -> "Scope":
        """Unrestricted scope, for the CLI and system jobs."""
        return cls(user_id=None, role=Role.ADMIN, owner_ids=None)

    @classmethod
    def for_user(cls, session: Session, user: User) -> "Scope":
        """The scope of a logged-in user."""
        if user.role == Role.ADMIN:
            return cls(user.id, user.role, None)
        owners = {user.id}
        if user.role == Role.MANAGER:
            team_ids = session.scalars(select(Team.id).where(Team.manager_id == user.id)).all()
            if team_ids:
                owners.update(session.scalars(select(User.id).where(User.team_id.in_(team_ids))).all())
        return cls(user.id, user.role, frozenset(owners))

    @property
    def is_unrestricted(self) -> bool:
        """True for admins and system jobs."""
        return self.owner_ids is None

    def can_see(self, owner_id: int | None) -> bool:
        """True when a record with this owner is visible."""
        return self.owner_ids is None or (owner_id is not None and owner_id in self.owner_ids)

    def restrict(self, stmt: S, owner_column: Any) -> S:
        """Add the visibility condition on ``owner_column`` to a query."""
        if self.owner_ids is None:
            return stmt
        if not self.owner_ids:
            return stmt.where(false())
        return stmt.where(owner_column.in_(self.owner_ids))

    def restrict_any(self, stmt: S, *owner_columns: Any) -> S:
        """Visible when any of the owner columns is in scope (used for linked records)."""
        if self.owner_ids is None:
            return stmt
        return stmt.where(or_(*(c.in_(self.owner_ids) for c in owner_columns)))

    def check(self, owner_id: int | None, what: str) -> None:
        """Raise :class:`NotFound` (not 403, so existence is not revealed) when not visible."""
        if not self.can_see(owner_id):
            raise NotFound(f"{what} not found")
