"""What the outbox page, the API and the CLI show: status counts and recent messages, by who may see them.

A message belongs to the user it was sent for (``user_id``): reps see their own, managers their
teams', admins everything (the same :class:`~salesmind.data.scope.Scope` as every record).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesmind.data.models.outreach import OUTBOX_STATUSES, OutboxMessage
from salesmind.data.scope import Scope


def status_counts(session: Session, scope: Scope) -> dict[str, int]:
    """How many visible messages are in each status (every status listed, zeros included)."""
    stmt = scope.restrict(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status),
                          OutboxMessage.user_id)
    found = {status: int(n) for status, n in session.execute(stmt)}
    return {status: found.get(status, 0) for status in OUTBOX_STATUSES}


def list_outbox(session: Session, scope: Scope, *, status: str | None = None, errors_only: bool = False,
                limit: int = 50, offset: int = 0) -> tuple[list[OutboxMessage], int]:
    """Visible messages, newest first, with the total before paging."""
    stmt = scope.restrict(select(OutboxMessage), OutboxMessage.user_id)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    if errors_only:
        stmt = stmt.where(OutboxMessage.last_error.is_not(None))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(OutboxMessage.id.desc()).limit(limit).offset(offset))
    return list(rows), int(total)
