"""Calls as the pages and API show them, restricted to the caller's scope (the call's rep or deal owner)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from salesmind.core.errors import NotFound
from salesmind.data.models import Call, CallAnalysis, Opportunity
from salesmind.data.scope import Scope

MAX_LIMIT = 500


@dataclass(frozen=True)
class CallRow:
    """A call in a list."""

    id: int
    title: str | None
    started_at: Any
    duration_seconds: float | None
    user_id: int | None
    opportunity_id: int | None
    talk_ratio: float | None
    rep_questions: int | None


@dataclass(frozen=True)
class CallDetail:
    """One call with its participants, utterances and stored analysis (None before ``calls analyse``)."""

    call: Call
    analysis: CallAnalysis | None


def _visible(scope: Scope, stmt: Any) -> Any:
    return scope.restrict_any(stmt.outerjoin(Opportunity, Opportunity.id == Call.opportunity_id),
                              Call.user_id, Opportunity.owner_id)


def call_list(session: Session, scope: Scope, *, opportunity_id: int | None = None, limit: int = 50,
              offset: int = 0) -> tuple[list[CallRow], int]:
    """Visible calls, newest first, with their headline metrics, and the total count."""
    base = select(Call.id)
    if opportunity_id is not None:
        base = base.where(Call.opportunity_id == opportunity_id)
    ids = _visible(scope, base).subquery()
    total = session.scalar(select(func.count()).select_from(ids)) or 0
    rows = session.execute(
        select(Call, CallAnalysis.metrics).outerjoin(CallAnalysis, CallAnalysis.call_id == Call.id)
        .where(Call.id.in_(select(ids.c.id))).order_by(Call.started_at.desc(), Call.id.desc())
        .limit(min(limit, MAX_LIMIT)).offset(offset)).all()
    return [CallRow(c.id, c.title, c.started_at, c.duration_seconds, c.user_id, c.opportunity_id,
                    (m or {}).get("talk_ratio"), (m or {}).get("rep_questions")) for c, m in rows], total


def call_detail(session: Session, scope: Scope, call_id: int) -> CallDetail:
    """One visible call with everything said and its analysis; :class:`NotFound` otherwise."""
    call = session.scalar(select(Call).where(Call.id == call_id)
                          .options(selectinload(Call.participants), selectinload(Call.utterances)))
    if call is None:
        raise NotFound(f"call {call_id} not found")
    owner = session.scalar(select(Opportunity.owner_id).where(Opportunity.id == call.opportunity_id)) \
        if call.opportunity_id is not None else None
    if not (scope.can_see(call.user_id) or scope.can_see(owner)):
        raise NotFound(f"call {call_id} not found")
    analysis = session.scalar(select(CallAnalysis).where(CallAnalysis.call_id == call_id))
    return CallDetail(call, analysis)


def check_opportunity(session: Session, scope: Scope, opportunity_id: int) -> None:
    """Raise :class:`NotFound` unless the deal exists and is visible to the caller."""
    opportunity = session.get(Opportunity, opportunity_id)
    scope.check(opportunity.owner_id if opportunity else None, f"opportunity {opportunity_id}")
    if opportunity is None:
        raise NotFound(f"opportunity {opportunity_id} not found")
