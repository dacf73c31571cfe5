"""Territory plans: solve one (managers over their teams, admins over everyone), list, show with moves, apply."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from salesmind.api.csv import csv_response
from salesmind.api.deps import ManagerUser, ScopeDep, SessionDep
from salesmind.api.schemas.common import RecordId
from salesmind.api.schemas.territories import MovePublic, PlanCreate, PlanDetail, PlanPublic
from salesmind.territories import service
from salesmind.territories.views import move_rows

router = APIRouter(prefix="/territories", tags=["territories"])


@router.post("/plans", response_model=PlanPublic, status_code=201)
def create_plan(body: PlanCreate, session: SessionDep, scope: ScopeDep, user: ManagerUser) -> PlanPublic:
    """Solve an assignment of the caller's accounts to reps (422 naming the constraint when infeasible)."""
    plan = service.plan(session, scope, body.settings(), user=user, name=body.name)
    return PlanPublic.model_validate(plan)


@router.get("/plans", response_model=list[PlanPublic])
def list_plans(session: SessionDep, scope: ScopeDep, _user: ManagerUser,
               limit: int = Query(50, ge=1, le=500)) -> list[PlanPublic]:
    """The newest plans the caller may see."""
    return [PlanPublic.model_validate(p) for p in service.list_plans(session, scope, limit)]


@router.get("/plans/{plan_id}", response_model=PlanDetail)
def get_plan(plan_id: RecordId, session: SessionDep, scope: ScopeDep, _user: ManagerUser,
             all_rows: bool = False, rep_id: RecordId | None = None,
             format: str = Query("json", pattern="^(json|csv)$")) -> Any:
    """One plan with its moved accounts (``all_rows=true``: every account; ``format=csv``: the rows as CSV)."""
    plan = service.get_plan(session, scope, plan_id)
    rows = service.plan_assignments(session, plan_id, moved_only=not all_rows, rep_id=rep_id)
    if format == "csv":
        return csv_response(move_rows(session, rows), f"territory-plan-{plan_id}")
    return PlanDetail.model_validate({**PlanPublic.model_validate(plan).model_dump(),
                                      "rows": [MovePublic.model_validate(r) for r in rows]})


@router.post("/plans/{plan_id}/apply", response_model=PlanPublic)
def apply_plan(plan_id: RecordId, session: SessionDep, scope: ScopeDep, user: ManagerUser) -> PlanPublic:
    """Move the owners of the plan's moved accounts (all or none; refused if an owner changed since)."""
    return PlanPublic.model_validate(service.apply_plan(session, scope, plan_id, user))


@router.post("/plans/{plan_id}/discard", response_model=PlanPublic)
def discard_plan(plan_id: RecordId, session: SessionDep, scope: ScopeDep, _user: ManagerUser) -> PlanPublic:
    """Mark a draft plan discarded."""
    return PlanPublic.model_validate(service.discard_plan(session, scope, plan_id))
