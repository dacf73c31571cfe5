"""Scoped read models for the home page and the linked-record panels of record pages.

Every function takes the caller's :class:`Scope`, so a page, an API route and a CLI
command that show the same number get it from the same query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from salesmind.data.models import (
    STAGES,
    Account,
    Activity,
    ActivityType,
    Contact,
    Lead,
    Opportunity,
    OpportunityContact,
    Outcome,
)
from salesmind.data.records import count_records
from salesmind.data.scope import Scope


@dataclass(frozen=True)
class HomeCounts:
    """How many records of each kind the caller can see."""

    leads: int
    open_deals: int
    accounts: int
    contacts: int


@dataclass(frozen=True)
class StageTotal:
    """Open deals in one stage and currency: how many and their summed amount."""

    stage: str
    currency: str
    deals: int
    amount: Decimal


@dataclass(frozen=True)
class RecentActivity:
    """One activity with the most specific visible record it belongs to."""

    at: datetime
    type: ActivityType
    title: str
    record_kind: str | None
    record_id: int | None
    record_name: str | None


def home_counts(session: Session, scope: Scope) -> HomeCounts:
    """Visible leads, open deals, accounts and contacts."""
    open_stmt = select(func.count()).select_from(Opportunity).where(Opportunity.outcome == Outcome.OPEN)
    open_deals = int(session.scalar(scope.restrict(open_stmt, Opportunity.owner_id)) or 0)
    return HomeCounts(
        leads=count_records(session, scope, "lead"),
        open_deals=open_deals,
        accounts=count_records(session, scope, "account"),
        contacts=count_records(session, scope, "contact"),
    )


def pipeline_by_stage(session: Session, scope: Scope) -> list[StageTotal]:
    """Open deals summed per stage and currency, in stage-ladder order (imported stages last)."""
    stmt = (
        select(Opportunity.stage, Opportunity.currency, func.count(), func.sum(Opportunity.amount))
        .where(Opportunity.outcome == Outcome.OPEN)
        .group_by(Opportunity.stage, Opportunity.currency)
    )
    rows = session.execute(scope.restrict(stmt, Opportunity.owner_id)).all()
    totals = [StageTotal(stage, currency or "USD", int(n), _exact(amount)) for stage, currency, n, amount in rows]
    ladder = {stage: i for i, stage in enumerate(STAGES)}
    return sorted(totals, key=lambda t: (ladder.get(t.stage, len(ladder)), t.stage, t.currency))


def recent_activity(session: Session, scope: Scope, limit: int = 15) -> list[RecentActivity]:
    """The newest activities on records the caller can see."""
    lead, contact, deal, account = (aliased(m) for m in (Lead, Contact, Opportunity, Account))
    stmt = (
        select(Activity, lead, contact, deal, account)
        .outerjoin(lead, Activity.lead_id == lead.id)
        .outerjoin(contact, Activity.contact_id == contact.id)
        .outerjoin(deal, Activity.opportunity_id == deal.id)
        .outerjoin(account, Activity.account_id == account.id)
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        .limit(limit)
    )
    stmt = scope.restrict_any(stmt, lead.owner_id, contact.owner_id, deal.owner_id, account.owner_id)
    out = []
    for act, *linked in session.execute(stmt).all():
        kind, record = _most_specific_visible(scope, linked)
        out.append(RecentActivity(
            at=act.occurred_at, type=act.type, title=act.subject or act.type.value.replace("_", " ").capitalize(),
            record_kind=kind, record_id=record.id if record else None,
            record_name=_display_name(record) if record else None,
        ))
    return out


def closing_soon(session: Session, scope: Scope, limit: int = 8) -> list[Opportunity]:
    """Open deals with the nearest expected close dates (overdue ones first)."""
    stmt = (
        select(Opportunity)
        .where(Opportunity.outcome == Outcome.OPEN, Opportunity.expected_close_date.is_not(None))
        .order_by(Opportunity.expected_close_date, Opportunity.id)
        .limit(limit)
    )
    return list(session.scalars(scope.restrict(stmt, Opportunity.owner_id)))


def account_contacts(session: Session, scope: Scope, account_id: int) -> list[Contact]:
    """Visible contacts at one account, by name."""
    stmt = select(Contact).where(Contact.account_id == account_id).order_by(Contact.last_name, Contact.id)
    return list(session.scalars(scope.restrict(stmt, Contact.owner_id)))


def account_opportunities(session: Session, scope: Scope, account_id: int) -> list[Opportunity]:
    """Visible deals of one account, newest first."""
    stmt = (select(Opportunity).where(Opportunity.account_id == account_id)
            .order_by(Opportunity.created_at.desc(), Opportunity.id.desc()))
    return list(session.scalars(scope.restrict(stmt, Opportunity.owner_id)))


def contact_opportunities(session: Session, scope: Scope, contact_id: int) -> list[Opportunity]:
    """Visible deals a contact is on, as primary contact or in any role."""
    on_deal = select(OpportunityContact.opportunity_id).where(OpportunityContact.contact_id == contact_id)
    stmt = (select(Opportunity)
            .where(or_(Opportunity.primary_contact_id == contact_id, Opportunity.id.in_(on_deal)))
            .order_by(Opportunity.created_at.desc(), Opportunity.id.desc()))
    return list(session.scalars(scope.restrict(stmt, Opportunity.owner_id)))


def opportunity_contacts(session: Session, scope: Scope, opportunity_id: int) -> list[tuple[Contact, str | None]]:
    """Visible contacts on one deal with their role (champion, decision maker, ...)."""
    stmt = (select(Contact, OpportunityContact.role)
            .join(OpportunityContact, OpportunityContact.contact_id == Contact.id)
            .where(OpportunityContact.opportunity_id == opportunity_id)
            .order_by(Contact.last_name, Contact.id))
    return [(c, role) for c, role in session.execute(scope.restrict(stmt, Contact.owner_id)).all()]


def _most_specific_visible(scope: Scope, linked: list[object]) -> tuple[str | None, object | None]:
    lead, contact, deal, account = linked
    for kind, record in (("opportunity", deal), ("lead", lead), ("contact", contact), ("account", account)):
        if record is not None and scope.can_see(record.owner_id):  # type: ignore[attr-defined]
            return kind, record
    return None, None


def _display_name(record: object) -> str:
    return getattr(record, "full_name", None) or getattr(record, "name")


def _exact(amount: object) -> Decimal:
    """A summed amount as an exact Decimal (SQLite sums integer cents through the column type)."""
    if amount is None:
        return Decimal("0.00")
    return Decimal(str(amount)).quantize(Decimal("0.01"))
