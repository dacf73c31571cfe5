"""Bulk ingest: batches of activities, and rows of any entity, through the importers' shared path."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from salesmind.api.deps import CurrentUser, NowDep, ScopeDep, SessionDep
from salesmind.api.schemas.activities import IngestReport
from salesmind.api.schemas.common import SafeText
from salesmind.core.errors import PermissionDenied
from salesmind.data.models import Role
from salesmind.data.record_edits import writes_within_scope
from salesmind.data.scope import Scope
from salesmind.ingest import ingest_rows
from salesmind.scoring.rescoring import rescore_touched, touched_records

router = APIRouter(tags=["ingest"])

MAX_ROWS = 10_000
Cell = Annotated[SafeText, Body(max_length=100_000)] | int | float | bool | None
Rows = Annotated[list[dict[str, Cell]], Body(max_length=MAX_ROWS)]
#: Entities a rep or manager may ingest within their book; the others need an admin.
BOOK_ENTITIES = frozenset({"accounts", "contacts", "leads", "opportunities", "activities"})


class RescoredPublic(BaseModel):
    """The new score of a lead or deal touched by the ingested events."""

    entity_type: str
    entity_id: int
    score: float | None
    grade: str | None


class IngestRescoreReport(IngestReport):
    """An ingest report, with the leads and deals rescored because of the new events."""

    rescored: list[RescoredPublic] = []


@router.post("/activities", response_model=IngestRescoreReport)
def ingest_activities(rows: Rows, session: SessionDep, scope: ScopeDep, request: Request,
                      now: NowDep) -> Any:
    """Add up to 10,000 activities (emails, calls, visits, ...) in one all-or-nothing batch.

    A rep may only add events linked to records in their own book. The leads and deals the
    events touch are rescored at once when a current scoring model exists.
    """
    return _ingest_and_rescore(session, scope, rows, request, now)


@router.post("/ingest/{entity}", response_model=IngestRescoreReport)
def ingest_entity(entity: Annotated[str, Path(max_length=64, pattern=r"^[a-z_]+$")], rows: Rows,
                  user: CurrentUser, session: SessionDep, scope: ScopeDep, request: Request,
                  now: NowDep) -> Any:
    """Upsert up to 10,000 rows of one entity (by external id) in one all-or-nothing batch.

    Reps and managers may ingest accounts, contacts, leads, opportunities and activities
    within their book; other entities need an admin.
    """
    if entity not in BOOK_ENTITIES and user.role != Role.ADMIN:
        raise PermissionDenied(f"ingesting {entity} needs the role admin (others may ingest "
                               f"{', '.join(sorted(BOOK_ENTITIES))})")
    if entity == "activities":
        return _ingest_and_rescore(session, scope, rows, request, now)
    return _ingest(session, scope, entity, rows)


def _ingest_and_rescore(session: Session, scope: Scope, rows: list[dict[str, Any]],
                        request: Request, now: datetime) -> Any:
    """Ingest activities, then rescore the leads and deals they touch (same transaction)."""
    with touched_records(session) as touched:
        report = _ingest(session, scope, "activities", rows)
    rescored = rescore_touched(session, touched, now=now,
                               models_dir=request.app.state.settings.models_dir)
    return {**report.to_dict(), "rescored": [
        {"entity_type": p.entity_type, "entity_id": p.entity_id, "score": p.score, "grade": p.grade}
        for p in rescored]}


def _ingest(session: Session, scope: Scope, entity: str, rows: list[dict[str, Any]]) -> Any:
    """Write rows through the importers' shared path, checking every write against the caller's scope."""
    with writes_within_scope(session, scope):
        return ingest_rows(session, entity, rows, source="api")
