"""Opportunities: the shared record routes, each deal's stage, amount and close-date history, and its next best actions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from salesmind.api.deps import NowDep, ScopeDep, SessionDep
from salesmind.api.routes.records import record_router
from salesmind.api.schemas.common import RecordId
from salesmind.api.schemas.opportunities import (
    OpportunityCreate,
    OpportunityHistoryPublic,
    OpportunityPublic,
    OpportunityUpdate,
)
from salesmind.customers.views import deal_actions
from salesmind.data.records import deal_history

router = APIRouter()
router.include_router(record_router("opportunity", "opportunities", OpportunityCreate, OpportunityUpdate,
                                    OpportunityPublic))


@router.get("/opportunities/{id}/history", response_model=list[OpportunityHistoryPublic],
            tags=["opportunities"])
def opportunity_history(id: RecordId, session: SessionDep, scope: ScopeDep) -> object:  # noqa: A002
    """Every stage, amount and close date the deal has had, oldest first."""
    return deal_history(session, scope, id)


@router.get("/opportunities/{id}/next-actions", tags=["opportunities"])
def opportunity_next_actions(id: RecordId, session: SessionDep, scope: ScopeDep,  # noqa: A002
                             now: NowDep) -> dict[str, Any]:
    """The actions that moved similar deals in the same stage forward, best first, with their evidence."""
    return deal_actions(session, scope, id, now)
