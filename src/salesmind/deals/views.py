"""What the deal pages, the API and the CLI read: one deal's health panel and the risk list.

Everything here reads the rows :func:`salesmind.deals.service.refresh_deal_health` stored (the
newest ``DealHealth`` per deal is its current health), cut to the caller's scope by deal owner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesmind.core.errors import NotFound, UserInputError
from salesmind.data.models import DealHealth, Opportunity, Outcome, User
from salesmind.data.scope import Scope
from salesmind.deals.health import FLAG_CODES, GRADES

MAX_LIMIT = 500


@dataclass(frozen=True)
class HealthPoint:
    """The score at one refresh."""

    as_of: datetime
    score: float
    grade: str


@dataclass(frozen=True)
class HealthPanel:
    """One deal's current health, its history and the prospect's sentiment over the deal's life."""

    opportunity_id: int
    as_of: datetime
    score: float
    grade: str
    flags: list[dict[str, Any]]
    history: list[HealthPoint]
    sentiment: list[dict[str, Any]] = field(default_factory=list)
    signals: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RiskRow:
    """An open deal in the risk list: its health and what is at stake (amount x (100 - score))."""

    opportunity_id: int
    name: str
    owner_id: int | None
    owner: str | None
    stage: str
    amount: float | None
    currency: str
    expected_close_date: date | None
    score: float
    grade: str
    flags: list[dict[str, Any]]
    risk: float
    as_of: datetime


def deal_health(session: Session, scope: Scope, opportunity_id: int) -> HealthPanel | None:
    """The deal's health panel (None before the first refresh); 404 when the deal is not visible."""
    deal = session.get(Opportunity, opportunity_id)
    if deal is None:
        raise NotFound(f"opportunity {opportunity_id} not found")
    scope.check(deal.owner_id, f"opportunity {opportunity_id}")
    rows = list(session.scalars(select(DealHealth).where(DealHealth.opportunity_id == opportunity_id)
                                .order_by(DealHealth.as_of, DealHealth.id)))
    if not rows:
        return None
    latest = rows[-1]
    signals = dict(latest.signals or {})
    return HealthPanel(opportunity_id=opportunity_id, as_of=latest.as_of, score=latest.score, grade=latest.grade,
                       flags=list(latest.flags or []), history=[HealthPoint(r.as_of, r.score, r.grade) for r in rows],
                       sentiment=list(signals.pop("sentiment_series", None) or []), signals=signals)


def _latest_rows() -> Any:
    newest = (select(DealHealth.opportunity_id, func.max(DealHealth.as_of).label("as_of"))
              .group_by(DealHealth.opportunity_id).subquery())
    return (select(DealHealth, Opportunity, User.name)
            .join(newest, (newest.c.opportunity_id == DealHealth.opportunity_id) & (newest.c.as_of == DealHealth.as_of))
            .join(Opportunity, Opportunity.id == DealHealth.opportunity_id)
            .outerjoin(User, User.id == Opportunity.owner_id))


def risk_list(session: Session, scope: Scope, *, owner_email: str | None = None, flag: str | None = None,
              grade: str | None = None, limit: int = 100) -> list[RiskRow]:
    """Open deals in scope, riskiest first (amount x (100 - score)), filtered by owner, flag or grade."""
    if flag is not None and flag not in FLAG_CODES:
        raise UserInputError(f"unknown flag {flag!r}; known: {', '.join(FLAG_CODES)}")
    if grade is not None and grade not in GRADES:
        raise UserInputError(f"unknown grade {grade!r}; known: {', '.join(GRADES)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise UserInputError(f"limit must be from 1 to {MAX_LIMIT}, not {limit}")
    stmt = scope.restrict(_latest_rows().where(Opportunity.outcome == Outcome.OPEN), Opportunity.owner_id)
    if owner_email:
        owner = session.scalar(select(User.id).where(func.lower(User.email) == owner_email.strip().lower()))
        if owner is None:
            raise UserInputError(f"no user with email {owner_email!r}")
        stmt = stmt.where(Opportunity.owner_id == owner)
    if grade is not None:
        stmt = stmt.where(DealHealth.grade == grade)
    rows = []
    for health, deal, owner_name in session.execute(stmt):
        if flag is not None and not any(f.get("code") == flag for f in health.flags or []):
            continue
        amount = float(deal.amount) if deal.amount is not None else None
        rows.append(RiskRow(opportunity_id=deal.id, name=deal.name, owner_id=deal.owner_id, owner=owner_name,
                            stage=deal.stage, amount=amount, currency=deal.currency,
                            expected_close_date=deal.expected_close_date, score=health.score, grade=health.grade,
                            flags=list(health.flags or []), risk=round((amount or 0.0) * (100.0 - health.score) / 100.0, 2),
                            as_of=health.as_of))
    rows.sort(key=lambda r: (-r.risk, r.score, r.opportunity_id))
    return rows[:limit]
