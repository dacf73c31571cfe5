"""Deal health: one deal's health, the risk list, the refresh job, and the caller's notifications.

Reps see their own deals, managers their team's, admins all (the deal owner decides). A refresh
assesses the whole open book and alerts owners and managers, so it is for managers and admins.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Query, Request

from salesmind.api.deps import CurrentUser, ManagerUser, NowDep, ScopeDep, SessionDep
from salesmind.api.schemas.common import RecordId
from salesmind.api.schemas.deals import (
    DealHealthPublic,
    HealthRefreshCreate,
    HealthRefreshPublic,
    NotificationPublic,
    RiskPublic,
)
from salesmind.core.errors import UserInputError
from salesmind.deals import (
    deal_health,
    list_notifications,
    mark_read,
    refresh_deal_health,
    risk_list,
)
from salesmind.deals.views import MAX_LIMIT

router = APIRouter(tags=["deal health"])
FLAG_PATTERN = "^[a-z_]{1,40}$"


@router.get("/opportunities/{opportunity_id}/health", response_model=DealHealthPublic)
def opportunity_health(opportunity_id: RecordId, session: SessionDep, scope: ScopeDep) -> DealHealthPublic:
    """The deal's current score, grade and red flags, the score's history and the prospect's sentiment."""
    panel = deal_health(session, scope, opportunity_id)
    if panel is None:
        return DealHealthPublic(opportunity_id=opportunity_id, as_of=None, score=None, grade=None, flags=[],
                                history=[], sentiment=[], signals={})
    return DealHealthPublic.model_validate(asdict(panel))


@router.get("/deal-risks", response_model=list[RiskPublic])
def deal_risks(session: SessionDep, scope: ScopeDep, owner: str | None = Query(None, max_length=254),
               flag: str | None = Query(None, pattern=FLAG_PATTERN),
               grade: str | None = Query(None, pattern="^(healthy|at risk|critical)$"),
               limit: int = Query(100, ge=1, le=MAX_LIMIT)) -> list[RiskPublic]:
    """Visible open deals, riskiest first (amount x (100 - score)), filtered by owner email, flag or grade."""
    rows = risk_list(session, scope, owner_email=owner, flag=flag, grade=grade, limit=limit)
    return [RiskPublic.model_validate(asdict(r)) for r in rows]


@router.post("/deal-health/refresh", response_model=HealthRefreshPublic, status_code=201)
def refresh(body: HealthRefreshCreate, request: Request, _user: ManagerUser, now: NowDep) -> HealthRefreshPublic:
    """Assess every open deal, store its health and send new alerts to owners and managers."""
    as_of = body.as_of or now
    if as_of > now:
        raise UserInputError(f"as_of {as_of.isoformat()} is in the future")
    summary = refresh_deal_health(request.app.state.database, as_of)
    return HealthRefreshPublic.model_validate(asdict(summary))


@router.get("/notifications", response_model=list[NotificationPublic])
def notifications(user: CurrentUser, session: SessionDep, unread: bool = False,
                  limit: int = Query(50, ge=1, le=500)) -> list[NotificationPublic]:
    """The caller's notifications, newest first."""
    return [NotificationPublic.model_validate(n)
            for n in list_notifications(session, user.id, unread_only=unread, limit=limit)]


@router.post("/notifications/{notification_id}/read", response_model=NotificationPublic)
def read(notification_id: RecordId, user: CurrentUser, session: SessionDep, now: NowDep) -> NotificationPublic:
    """Mark one of the caller's notifications read."""
    return NotificationPublic.model_validate(mark_read(session, user.id, notification_id, now))
