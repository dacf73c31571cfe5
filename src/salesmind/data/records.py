"""Scoped reads of CRM records and their activity timelines, shared by the API, pages and CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from salesmind.core.errors import NotFound, UserInputError
from salesmind.data.models import (
    Account,
    Activity,
    Call,
    Contact,
    EmailMessage,
    Lead,
    Opportunity,
    OpportunityHistory,
)
from salesmind.data.scope import Scope

RecordKind = Literal["account", "contact", "lead", "opportunity"]
MODELS: dict[str, Any] = {"account": Account, "contact": Contact, "lead": Lead, "opportunity": Opportunity}
_LINK_COLUMN = {"account": "account_id", "contact": "contact_id", "lead": "lead_id", "opportunity": "opportunity_id"}
_SEARCH_COLUMNS = {
    "account": ("name", "domain", "industry"),
    "contact": ("first_name", "last_name", "email", "title"),
    "lead": ("first_name", "last_name", "email", "company"),
    "opportunity": ("name", "stage", "competitor"),
}
MAX_PAGE = 500


def model_for(kind: str) -> Any:
    """The table class for a record kind, or a clear error."""
    try:
        return MODELS[kind]
    except KeyError:
        raise UserInputError(f"unknown record kind {kind!r}; use one of {sorted(MODELS)}") from None


def _visible(scope: Scope, kind: str, stmt: Select[Any], search: str | None) -> Select[Any]:
    """``stmt`` limited to records of ``kind`` in ``scope`` that match ``search``."""
    model = model_for(kind)
    stmt = scope.restrict(stmt, model.owner_id)
    if search:
        pattern = f"%{search.lower()}%"
        stmt = stmt.where(or_(*(func.lower(getattr(model, c)).like(pattern) for c in _SEARCH_COLUMNS[kind])))
    return stmt


def list_records(
    session: Session,
    scope: Scope,
    kind: str,
    *,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Any]:
    """Records of one kind visible in ``scope``, newest first, optionally matching ``search``."""
    model = model_for(kind)
    stmt = _visible(scope, kind, select(model), search)
    stmt = stmt.order_by(model.created_at.desc(), model.id.desc())
    stmt = stmt.limit(max(1, min(limit, MAX_PAGE))).offset(max(0, offset))
    return list(session.scalars(stmt))


def count_records(session: Session, scope: Scope, kind: str, *, search: str | None = None) -> int:
    """How many records of one kind are visible in ``scope`` (and match ``search``)."""
    stmt = _visible(scope, kind, select(func.count()).select_from(model_for(kind)), search)
    return int(session.scalar(stmt) or 0)


def get_record(session: Session, scope: Scope, kind: str, record_id: int) -> Any:
    """One record by id; :class:`NotFound` when missing or outside ``scope``."""
    model = model_for(kind)
    record = session.get(model, record_id)
    if record is None:
        raise NotFound(f"{kind} {record_id} not found")
    scope.check(record.owner_id, f"{kind} {record_id}")
    return record


@dataclass(frozen=True)
class TimelineItem:
    """One entry on a record's timeline."""

    at: datetime
    kind: str
    title: str
    detail: str | None = None
    link: str | None = None


def timeline(session: Session, scope: Scope, kind: str, record_id: int, limit: int = 200) -> list[TimelineItem]:
    """Activities, emails, calls and stage changes of one visible record, newest first."""
    record = get_record(session, scope, kind, record_id)
    column = _LINK_COLUMN[kind]
    items: list[TimelineItem] = []
    acts = session.scalars(
        select(Activity).where(getattr(Activity, column) == record_id)
        .order_by(Activity.occurred_at.desc()).limit(limit)
    )
    for act in acts:
        items.append(TimelineItem(act.occurred_at, act.type.value, _activity_title(act), act.url or None))
    if kind in ("lead", "contact"):
        mails = session.scalars(
            select(EmailMessage).where(getattr(EmailMessage, column) == record_id)
            .order_by(EmailMessage.sent_at.desc()).limit(limit)
        )
        for mail in mails:
            items.append(TimelineItem(mail.sent_at, f"email_{mail.direction.value}", mail.subject or "(no subject)",
                                      (mail.body_text or "")[:240]))
    if kind in ("lead", "opportunity", "account"):
        calls = session.scalars(
            select(Call).where(getattr(Call, column) == record_id).order_by(Call.started_at.desc()).limit(limit)
        )
        for call in calls:
            minutes = f"{(call.duration_seconds or 0) / 60:.0f} min"
            items.append(TimelineItem(call.started_at, "call_recorded", call.title or "Call", minutes,
                                      f"/calls/{call.id}"))
    if kind == "opportunity":
        changes = session.scalars(
            select(OpportunityHistory).where(OpportunityHistory.opportunity_id == record_id)
            .order_by(OpportunityHistory.changed_at.desc()).limit(limit)
        )
        for change in changes:
            close = change.expected_close_date.strftime("%d %b %Y") if change.expected_close_date else "none"
            amount = f"{change.amount:,.2f} {record.currency}" if change.amount is not None else "no amount"
            items.append(TimelineItem(change.changed_at, "stage_change",
                                      f"Stage: {change.stage.replace('_', ' ').capitalize()}",
                                      f"{amount}, expected close {close}"))
    items.sort(key=lambda i: i.at, reverse=True)
    return items[:limit]


def _activity_title(act: Activity) -> str:
    label = act.type.value.replace("_", " ").capitalize()
    return f"{label}: {act.subject}" if act.subject else label


def list_record_activities(session: Session, scope: Scope, kind: str, record_id: int, *,
                           limit: int = 50, offset: int = 0) -> tuple[list[Activity], int]:
    """A page of the activities linked to one visible record, newest first, and their total."""
    get_record(session, scope, kind, record_id)
    where = getattr(Activity, _LINK_COLUMN[kind]) == record_id
    total = int(session.scalar(select(func.count()).select_from(Activity).where(where)) or 0)
    stmt = (select(Activity).where(where).order_by(Activity.occurred_at.desc(), Activity.id.desc())
            .limit(max(1, min(limit, MAX_PAGE))).offset(max(0, offset)))
    return list(session.scalars(stmt)), total


def deal_history(session: Session, scope: Scope, deal_id: int) -> list[OpportunityHistory]:
    """Every recorded state of one visible deal, oldest first."""
    get_record(session, scope, "opportunity", deal_id)
    stmt = (select(OpportunityHistory).where(OpportunityHistory.opportunity_id == deal_id)
            .order_by(OpportunityHistory.changed_at, OpportunityHistory.id))
    return list(session.scalars(stmt))
