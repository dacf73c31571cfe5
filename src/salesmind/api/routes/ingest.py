"""Bulk ingest: batches of activities, and rows of any entity, through the importers' shared path."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from sqlalchemy.orm import Session

from salesmind.api.deps import CurrentUser, ScopeDep, SessionDep
from salesmind.api.schemas.activities import IngestReport
from salesmind.api.schemas.common import SafeText
from salesmind.core.errors import PermissionDenied
from salesmind.data.models import Role
from salesmind.data.record_edits import writes_within_scope
from salesmind.data.scope import Scope
from salesmind.ingest import ingest_rows

router = APIRouter(tags=["ingest"])

MAX_ROWS = 10_000
Cell = Annotated[SafeText, Body(max_length=100_000)] | int | float | bool | None
Rows = Annotated[list[dict[str, Cell]], Body(max_length=MAX_ROWS)]
#: Entities a rep or manager may ingest within their book; the others need an admin.
BOOK_ENTITIES = frozenset({"accounts", "contacts", "leads", "opportunities", "activities"})


@router.post("/activities", response_model=IngestReport)
def ingest_activities(rows: Rows, session: SessionDep, scope: ScopeDep) -> Any:
    """Add up to 10,000 activities (emails, calls, visits, ...) in one all-or-nothing batch.

    A rep may only add events linked to records in their own book.
    """
    return _ingest(session, scope, "activities", rows)


@router.post("/ingest/{entity}", response_model=IngestReport)
def ingest_entity(entity: Annotated[str, Path(max_length=64, pattern=r"^[a-z_]+$")], rows: Rows,
                  user: CurrentUser, session: SessionDep, scope: ScopeDep) -> Any:
    """Upsert up to 10,000 rows of one entity (by external id) in one all-or-nothing batch.

    Reps and managers may ingest accounts, contacts, leads, opportunities and activities
    within their book; other entities need an admin.
    """
    if entity not in BOOK_ENTITIES and user.role != Role.ADMIN:
        raise PermissionDenied(f"ingesting {entity} needs the role admin (others may ingest "
                               f"{', '.join(sorted(BOOK_ENTITIES))})")
    return _ingest(session, scope, entity, rows)


def _ingest(session: Session, scope: Scope, entity: str, rows: list[dict[str, Any]]) -> Any:
    """Write rows through the importers' shared path, checking every write against the caller's scope."""
    with writes_within_scope(session, scope):
        return ingest_rows(session, entity, rows, source="api")
