"""A small CRM with known problems: the answers every audit test checks against."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from salesmind.core.db import Database
from salesmind.data.models import (
    Account,
    Activity,
    ActivityType,
    Contact,
    Lead,
    Opportunity,
    OpportunityHistory,
    Outcome,
    User,
)

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def at(month: int, day: int = 1) -> datetime:
    """A time in 2025 (UTC)."""
    return datetime(2025, month, day, tzinfo=timezone.utc)


@pytest.fixture
def messy(database: Database) -> dict[str, int]:
    """2 look-alike account names (1 pair also sharing a domain), 1 duplicate contact, 1 duplicate lead,
    2 leads without activity, 1 overdue deal, 1 late-stage deal without amount, 1 negative amount,
    1 deal with history after its close, 1 lost deal without a close time."""
    with database.transaction() as s:
        rep = User(email="rep@seller.io", name="Rita Rep")
        s.add(rep)
        s.flush()
        firm = {"owner_id": rep.id, "industry": "software", "employees": 50, "annual_revenue": Decimal(1),
                "region": "EMEA", "country": "DE", "created_at": T0}
        accounts = [Account(name="Acme Inc", domain="acme.com", **firm),
                    Account(name="ACME, Inc.", domain="www.acme.com", **firm),
                    Account(name="Globex", domain="globex.com", **firm),
                    Account(name="Globex Corporation", domain="globex.io", **firm),
                    Account(name="Initech", domain="initech.com", **firm)]
        s.add_all(accounts)
        s.flush()
        person = {"owner_id": rep.id, "account_id": accounts[0].id, "first_name": "A", "last_name": "B",
                  "title": "CTO", "created_at": T0}
        s.add_all([Contact(email="jane@acme.com", **person), Contact(email="JANE@acme.com ", **person),
                   Contact(email="bob@globex.com", **person)])
        lead_fields = {"owner_id": rep.id, "company": "Y", "source": "web", "created_at": T0}
        leads = [Lead(email="x@y.com", **lead_fields), Lead(email="X@Y.com", **lead_fields),
                 Lead(email="z@y.com", **lead_fields)]
        s.add_all(leads)
        s.flush()
        s.add(Activity(type=ActivityType.WEB_VISIT, occurred_at=at(6), lead_id=leads[0].id))
        deal = {"owner_id": rep.id, "account_id": accounts[4].id, "created_at": T0}
        deals = {
            "overdue": Opportunity(name="o1", stage="prospecting", amount=Decimal(1000),
                                   expected_close_date=date(2025, 6, 1), **deal),
            "no_amount": Opportunity(name="o2", stage="proposal", amount=None,
                                     expected_close_date=date(2025, 8, 1), **deal),
            "after_close": Opportunity(name="o3", stage="closed_won", outcome=Outcome.WON, amount=Decimal(5),
                                       closed_at=at(3), expected_close_date=date(2025, 3, 1), **deal),
            "no_closed_at": Opportunity(name="o4", stage="closed_lost", outcome=Outcome.LOST, amount=Decimal(5),
                                        expected_close_date=date(2025, 9, 1), **deal),
            "negative": Opportunity(name="o5", stage="negotiation", amount=Decimal(-100),
                                    expected_close_date=date(2025, 9, 1), **deal),
            "clean": Opportunity(name="o6", stage="closed_won", outcome=Outcome.WON, amount=Decimal(500),
                                 closed_at=at(2), expected_close_date=date(2025, 2, 1), **deal),
        }
        s.add_all(deals.values())
        s.flush()
        for key, steps in (("after_close", [(T0, "prospecting"), (at(3), "closed_won"), (at(4), "closed_won")]),
                           ("clean", [(T0, "prospecting"), (at(2), "closed_won")])):
            s.add_all(OpportunityHistory(opportunity_id=deals[key].id, changed_at=when, stage=stage)
                      for when, stage in steps)
        ids = {f"deal_{k}": v.id for k, v in deals.items()}
        ids.update({f"account_{i}": a.id for i, a in enumerate(accounts)})
        ids.update({f"lead_{i}": ld.id for i, ld in enumerate(leads)})
        ids["rep"] = rep.id
    return ids
