"""Deal history: every change of stage, amount or close date is kept as a row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from salesmind.data.models import Opportunity, OpportunityHistory

#: The fields whose every value a deal has had is kept in its history.
TRACKED_FIELDS = ("stage", "amount", "expected_close_date")


def record_deal_state(session: Session, deal: Opportunity, at: datetime,
                      changed_by_id: int | None = None) -> OpportunityHistory:
    """Append the deal's current stage, amount and close date to its history, as of ``at``."""
    row = OpportunityHistory(opportunity_id=deal.id, changed_at=at, stage=deal.stage, amount=deal.amount,
                             expected_close_date=deal.expected_close_date, changed_by_id=changed_by_id)
    session.add(row)
    session.flush()
    return row


def tracked_change(deal: Opportunity, changes: dict[str, object]) -> bool:
    """True when ``changes`` would alter a tracked field of ``deal``."""
    return any(f in changes and changes[f] != getattr(deal, f) for f in TRACKED_FIELDS)
