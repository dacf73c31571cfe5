"""Closed deals with known win/loss patterns, seeded for the win/loss API, page and CLI tests.

Ann (East) has 24 closed deals against "Veloxa & Co" (a name that needs URL encoding): with 3
stakeholders she wins 10 of 12, with one she wins 2 of 12; losses are "Price". Bob (West) has 6
closed deals against "PipeIQ" (4 won): too few for a card's findings. Two deals have no competitor.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from salesmind.core.db import Database
from salesmind.data.models import Account, Contact, Opportunity, OpportunityContact, Outcome

VELOXA, PIPEIQ = "Veloxa & Co", "PipeIQ"
CLOSED = datetime(2025, 3, 1, tzinfo=UTC)


def _deal(s, owner: int, account: Account, i: int, *, competitor: str | None, won: bool, stakeholders: int,  # type: ignore[no-untyped-def]
          discount: float, reason: str | None = None) -> Opportunity:
    deal = Opportunity(name=f"deal-{owner}-{i}", account_id=account.id, owner_id=owner,
                       stage="closed_won" if won else "closed_lost", outcome=Outcome.WON if won else Outcome.LOST,
                       amount=Decimal(10000 + 1000 * i), currency="USD", competitor=competitor,
                       loss_reason=None if won else reason, discount_pct=Decimal(str(discount)),
                       closed_at=CLOSED + timedelta(days=3 * i), lead_source="webinar")
    s.add(deal)
    s.flush()
    deal.created_at = CLOSED - timedelta(days=40)
    for k in range(stakeholders):
        contact = Contact(first_name=f"c{deal.id}-{k}", email=f"c{deal.id}-{k}@x.example", account_id=account.id)
        s.add(contact)
        s.flush()
        s.add(OpportunityContact(opportunity_id=deal.id, contact_id=contact.id))
    return deal


def seed_winloss(database: Database, ann: int, bob: int) -> dict[str, list[int]]:
    """Seed the deals above for users ``ann`` and ``bob``; returns the deal ids per owner."""
    ids: dict[str, list[int]] = {"ann": [], "bob": []}
    with database.transaction() as s:
        east = Account(name="East Corp", owner_id=ann, industry="Software", employees=120)
        west = Account(name="West Corp", owner_id=bob, industry="Retail", employees=500)
        s.add_all([east, west])
        s.flush()
        for i in range(24):
            many = i % 2 == 0
            won = (i // 2) < (10 if many else 2)
            deal = _deal(s, ann, east, i, competitor=VELOXA, won=won, stakeholders=3 if many else 1,
                         discount=8.0 if won else 12.0, reason="Price")
            ids["ann"].append(deal.id)
        for i in range(6):
            deal = _deal(s, bob, west, 100 + i, competitor=PIPEIQ, won=i < 4, stakeholders=2, discount=5.0,
                         reason="Timing")
            ids["bob"].append(deal.id)
        for i in range(2):
            ids["ann"].append(_deal(s, ann, east, 200 + i, competitor=None, won=i == 0, stakeholders=1,
                                    discount=0.0, reason="No budget").id)
    return ids
