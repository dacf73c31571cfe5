"""Row-level checks: each one a SQL condition on one table, counted and sampled in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import ColumnElement, Table, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from salesmind.data.models import (
    Account,
    Activity,
    Contact,
    FeatureSnapshot,
    Lead,
    ModelPrediction,
    Opportunity,
    OpportunityHistory,
    Order,
    Outcome,
)
from salesmind.quality.report import EXAMPLES, Finding

#: Stage names (lower case) that mean a deal is closed, whatever CRM they came from.
CLOSED_STAGES = ("closed_won", "closed_lost", "closed won", "closed lost", "won", "lost")
LATE_STAGES = ("proposal", "negotiation")

# Weights: how much one affected row matters (used for scores and for ranking fixes).
MINOR, MAJOR, SEVERE = 1.0, 2.0, 3.0

opp = Opportunity.__table__
hist = OpportunityHistory.__table__
later = hist.alias("later_history")
lead = Lead.__table__
act = Activity.__table__


@dataclass(frozen=True)
class RowCheck:
    """A problem that a row either has or has not, written as a SQL condition."""

    check: str
    table: Table
    title: str
    weight: float
    instruction: str
    condition: Callable[[datetime], ColumnElement[bool]]

    def run(self, session: Session, now: datetime) -> Finding:
        """Count the rows with the problem and pick a few examples."""
        where = self.condition(now)
        ids = self.table.c.id
        affected = session.scalar(select(func.count()).select_from(self.table).where(where)) or 0
        examples = (session.scalars(select(ids).where(where).order_by(ids).limit(EXAMPLES)).all()
                    if affected else [])
        return Finding(check=self.check, table=self.table.name, title=self.title, affected=int(affected),
                       weight=self.weight, instruction=self.instruction, example_ids=list(examples))


def _is_open() -> ColumnElement[bool]:
    return opp.c.outcome == Outcome.OPEN.value


def _is_closed() -> ColumnElement[bool]:
    return opp.c.outcome.in_((Outcome.WON.value, Outcome.LOST.value))


def _history(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """The deal has at least one history entry meeting ``condition``."""
    return exists().where(hist.c.opportunity_id == opp.c.id, condition)


def _reopened() -> ColumnElement[bool]:
    """A closed stage followed, later in the history, by an open one."""
    closed_then_open = exists().where(
        later.c.opportunity_id == hist.c.opportunity_id,
        later.c.changed_at > hist.c.changed_at,
        func.lower(later.c.stage).not_in(CLOSED_STAGES),
    )
    return _history(and_(func.lower(hist.c.stage).in_(CLOSED_STAGES), closed_then_open))


def _entity_missing(table: Table) -> ColumnElement[bool]:
    """A prediction or feature row about a lead/contact/deal/account that no longer exists."""
    targets = {"lead": Lead, "contact": Contact, "opportunity": Opportunity, "account": Account}
    return or_(*(and_(table.c.entity_type == kind,
                      ~exists().where(model.__table__.c.id == table.c.entity_id))
                 for kind, model in targets.items()))


ROW_CHECKS: tuple[RowCheck, ...] = (
    RowCheck("deals.overdue", opp, "open deals whose expected close date has passed", MAJOR,
             "Move the expected close date forward, or close the deal as won or lost.",
             lambda now: and_(_is_open(), opp.c.expected_close_date < now.date())),
    RowCheck("deals.late_stage_no_amount", opp, "proposal/negotiation deals without an amount", SEVERE,
             "Enter the amount proposed: late-stage deals without one leave the forecast short.",
             lambda now: and_(_is_open(), func.lower(opp.c.stage).in_(LATE_STAGES),
                              or_(opp.c.amount.is_(None), opp.c.amount == 0))),
    RowCheck("deals.negative_amount", opp, "deals with a negative amount", SEVERE,
             "Correct the amount: a deal's value cannot be below zero (refunds belong on orders).",
             lambda now: opp.c.amount < 0),
    RowCheck("deals.closed_without_closed_at", opp, "won or lost deals without a close time", MAJOR,
             "Set the date the deal was won or lost.",
             lambda now: and_(_is_closed(), opp.c.closed_at.is_(None))),
    RowCheck("deals.closed_before_created", opp, "deals closed before they were created", SEVERE,
             "Correct the created or closed date; one of them is wrong.",
             lambda now: opp.c.closed_at < opp.c.created_at),
    RowCheck("history.after_close", opp, "stage history recorded after the deal closed", SEVERE,
             "Check these deals: either the close date is too early or the deal was reopened "
             "without being marked open again.",
             lambda now: and_(_is_closed(), _history(hist.c.changed_at > opp.c.closed_at))),
    RowCheck("history.reopened", opp, "deals reopened after closed won/lost", SEVERE,
             "Do not reopen closed deals: create a new opportunity for the new business and restore "
             "the closed stage on these.",
             lambda now: _reopened()),
    RowCheck("history.before_created", opp, "stage history dated before the deal was created", MAJOR,
             "Correct the deal's created date (import the CRM's own create date).",
             lambda now: _history(hist.c.changed_at < opp.c.created_at)),
    RowCheck("history.negative_amount", opp, "stage history with a negative amount", MAJOR,
             "Correct the amounts in these deals' history.",
             lambda now: _history(hist.c.amount < 0)),
    RowCheck("orders.negative_total", Order.__table__, "orders with a negative total", MAJOR,
             "Record refunds as separate credit notes and correct the order total.",
             lambda now: Order.__table__.c.total < 0),
    RowCheck("leads.no_activity", lead, "leads without any activity", MINOR,
             "Work these leads (call or email them) or disqualify them.",
             lambda now: ~exists().where(act.c.lead_id == lead.c.id)),
    RowCheck("activities.unlinked", act, "activities linked to no lead, contact, deal or account", MINOR,
             "Link these activities to the person or account they concern, or delete them.",
             lambda now: and_(act.c.lead_id.is_(None), act.c.contact_id.is_(None),
                              act.c.opportunity_id.is_(None), act.c.account_id.is_(None))),
    RowCheck("activities.in_future", act, "activities dated in the future", MINOR,
             "Fix the time zone or date of these activities in the source system.",
             lambda now: act.c.occurred_at > now),
    RowCheck("orphans.model_predictions", ModelPrediction.__table__,
             "predictions about records that no longer exist", MAJOR,
             "Delete these predictions (re-score the current records).",
             lambda now: _entity_missing(ModelPrediction.__table__)),
    RowCheck("orphans.feature_snapshots", FeatureSnapshot.__table__,
             "feature snapshots of records that no longer exist", MAJOR,
             "Delete these snapshots (they describe records that were removed).",
             lambda now: _entity_missing(FeatureSnapshot.__table__)),
)


def run_row_checks(session: Session, now: datetime) -> list[Finding]:
    """Run every row check."""
    return [check.run(session, now) for check in ROW_CHECKS]


def foreign_key_orphans(session: Session) -> list[Finding]:
    """References to missing rows (SQLite only: PostgreSQL enforces foreign keys at all times).

    A SQLite file written with foreign keys switched off (another tool, a manual edit) can hold
    them; ``PRAGMA foreign_key_check`` finds them with the database's own indexes.
    """
    if session.get_bind().dialect.name != "sqlite":
        return []
    broken: dict[tuple[str, str], list[int]] = {}
    for child, rowid, parent, _fk in session.connection().exec_driver_sql("PRAGMA foreign_key_check"):
        broken.setdefault((child, parent), []).append(int(rowid))
    return [
        Finding(check=f"orphans.{child}.{parent}", table=child,
                title=f"{child} pointing to missing {parent}", affected=len(set(ids)), weight=MAJOR,
                instruction=f"Re-link these {child} to an existing {parent} or clear the reference.",
                example_ids=sorted(set(ids))[:EXAMPLES])
        for (child, parent), ids in sorted(broken.items())
    ]
