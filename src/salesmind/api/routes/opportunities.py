"""Opportunities: the shared record routes, plus each deal's stage, amount and close-date history."""

from __future__ import annotations

from fastapi import APIRouter

from salesmind.api.deps import ScopeDep, SessionDep
from salesmind.api.routes.records import record_router
from salesmind.api.schemas.common import RecordId
from salesmind.api.schemas.opportunities import (
    OpportunityCreate,
    OpportunityHistoryPublic,
    OpportunityPublic,
    OpportunityUpdate,
)
from salesmind.data.records import deal_history

router = APIRouter()
router.include_router(record_router("opportunity", "opportunities", OpportunityCreate, OpportunityUpdate,
                                    OpportunityPublic))


@router.get("/opportunities/{id}/history", response_model=list[OpportunityHistoryPublic],
            tags=["opportunities"])
def opportunity_history(id: RecordId, session: SessionDep, scope: ScopeDep) -> object:  # noqa: A002
    """Every stage, amount and close date the deal has had, oldest first."""
    return deal_history(session, scope, id)
