"""Inbound leads: the authenticated JSON webhook, the response-time report, recent submissions, routing rules.

The public HTML form posts to ``/f/{form_key}`` (see ``salesmind.web.routes.inbound``). Reports and
submissions are for managers (their team's leads) and admins; routing rules are for admins.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status

from salesmind.api.deps import AdminUser, CurrentUser, ManagerUser, NowDep, ScopeDep, SessionDep
from salesmind.api.schemas.common import RecordId, UtcTime
from salesmind.api.schemas.inbound import (
    InboundLeadIn,
    ReportPublic,
    RuleCreate,
    RulePublic,
    RuleUpdate,
    SubmissionPublic,
)
from salesmind.core.errors import UserInputError
from salesmind.engagement import inbound

router = APIRouter(prefix="/inbound", tags=["inbound"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                              pattern=r"^[\x21-\x7e]+$")]


@router.post("/leads", response_model=SubmissionPublic, status_code=status.HTTP_201_CREATED,
             responses={200: {"model": SubmissionPublic, "description": "a repeat of an earlier Idempotency-Key"}})
def post_lead(body: InboundLeadIn, request: Request, response: Response, session: SessionDep, _user: CurrentUser,
              now: NowDep, idempotency_key: IdempotencyKey = None) -> SubmissionPublic:
    """Create or merge a lead, score, route and queue its first reply (201); the same Idempotency-Key and
    payload again returns the first submission (200) and sends nothing more."""
    payload = body.model_dump(exclude_none=True)
    source = payload.pop("source", None) or "api"
    settings = request.app.state.settings
    if idempotency_key and (repeat := inbound.find_repeat(session, idempotency_key, payload)) is not None:
        response.status_code = status.HTTP_200_OK
        return SubmissionPublic.model_validate(repeat)
    made = inbound.submit(session, payload, source=source, now=now, settings=settings,
                          idempotency_key=idempotency_key)
    return SubmissionPublic.model_validate(made)


@router.get("/report", response_model=ReportPublic)
def report(request: Request, session: SessionDep, scope: ScopeDep, _user: ManagerUser, now: NowDep,
           start: UtcTime | None = None, end: UtcTime | None = None) -> ReportPublic:
    """Time to first reply (queued, sent): median, p90, share within the target, never answered; by source, owner
    and day. Default period: the last 30 days."""
    if any(t is not None and not 1900 <= t.year <= 2200 for t in (start, end)):
        raise UserInputError("start and end must lie between 1900 and 2200")
    end = end or now + timedelta(seconds=1)  # the period's end is exclusive: include what arrived just now
    start = start or end - timedelta(days=30)
    if start >= end or end - start > timedelta(days=3660):
        raise UserInputError("start must be before end, at most ten years apart")
    found = inbound.response_time_report(session, scope, start=start, end=end,
                                         target_minutes=request.app.state.settings.inbound.reply_minutes)
    return ReportPublic(start=found.start, end=found.end, target_minutes=found.target_minutes, overall=found.overall,
                        by_source=found.by_source, by_owner=found.by_owner, daily=found.daily,
                        never_answered_leads=found.never_answered_leads)


@router.get("/submissions", response_model=list[SubmissionPublic])
def submissions(session: SessionDep, scope: ScopeDep, _user: ManagerUser,
                limit: int = Query(50, ge=1, le=500)) -> list[SubmissionPublic]:
    """The newest submissions with who got them and why."""
    return [SubmissionPublic.model_validate(s) for s in inbound.recent_submissions(session, scope, limit=limit)]


@router.get("/rules", response_model=list[RulePublic])
def list_rules(session: SessionDep, _user: AdminUser) -> list[RulePublic]:
    """Routing rules in the order they are tried."""
    return [RulePublic.model_validate(r) for r in inbound.list_rules(session)]


@router.post("/rules", response_model=RulePublic, status_code=status.HTTP_201_CREATED)
def create_rule(body: RuleCreate, session: SessionDep, _user: AdminUser) -> RulePublic:
    """Add a routing rule."""
    conditions = body.conditions.model_dump(exclude_none=True) if body.conditions else None
    rule = inbound.create_rule(session, name=body.name, kind=body.kind, conditions=conditions,
                               assignee_ids=body.assignee_ids, position=body.position, is_active=body.is_active)
    return RulePublic.model_validate(rule)


@router.patch("/rules/{rule_id}", response_model=RulePublic)
def update_rule(rule_id: RecordId, body: RuleUpdate, session: SessionDep, _user: AdminUser) -> RulePublic:
    """Change a routing rule."""
    changes = body.model_dump(exclude_unset=True)
    if "conditions" in changes:
        changes["conditions"] = body.conditions.model_dump(exclude_none=True) if body.conditions else None
    for key in ("name", "kind", "position", "is_active", "assignee_ids"):
        if key in changes and changes[key] is None:
            raise UserInputError(f"{key} cannot be null")
    return RulePublic.model_validate(inbound.update_rule(session, rule_id, **changes))


@router.delete("/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(rule_id: RecordId, session: SessionDep, _user: AdminUser) -> Response:
    """Remove a routing rule."""
    inbound.delete_rule(session, rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
