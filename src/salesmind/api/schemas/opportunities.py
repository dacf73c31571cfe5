"""Opportunities (deals) and the history of their stage, amount and close date."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from salesmind.api.schemas.common import (
    Amount,
    Currency,
    Input,
    Name,
    Percent,
    Public,
    RecordId,
    UtcTime,
    partial,
    public,
    text,
)
from salesmind.data.models import Outcome


class OpportunityBase(Input):
    """What describes a deal. Amounts are exact decimal strings in ``currency``."""

    name: Name
    account_id: RecordId | None = None
    primary_contact_id: RecordId | None = None
    amount: Amount | None = None
    currency: Currency = "USD"
    stage: text(64, 1) = "prospecting"
    expected_close_date: date | None = None
    closed_at: UtcTime | None = None
    outcome: Outcome = Outcome.OPEN
    loss_reason: text(200) | None = None
    competitor: text(120) | None = None
    discount_pct: Percent | None = None
    lead_source: text(120) | None = None
    product_id: RecordId | None = None
    external_id: text(128, 1) | None = None
    owner_id: RecordId | None = None


class OpportunityCreate(OpportunityBase):
    """A new deal; the owner defaults to the caller. Its first history row is written too."""


OpportunityUpdate = partial(OpportunityBase, "OpportunityUpdate")


OpportunityPublic = public(OpportunityBase, "OpportunityPublic", "A deal as the API shows it.")


class OpportunityHistoryPublic(Public):
    """The stage, amount and close date of a deal as they stood from ``changed_at``."""

    id: int
    changed_at: datetime
    stage: str
    amount: Decimal | None
    expected_close_date: date | None
    changed_by_id: int | None
