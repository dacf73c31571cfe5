"""Deal features replay the stage and close-date history up to the cut-off."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd
import pytest

from salesmind.core.db import Database
from salesmind.data.models import (
    Activity,
    ActivityType,
    Call,
    Contact,
    Opportunity,
    OpportunityContact,
    OpportunityHistory,
    Outcome,
    Seniority,
    Utterance,
)
from salesmind.features import deal_features

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def deal(database: Database) -> dict[str, int]:
    with database.transaction() as s:
        won = Opportunity(name="old win", stage="closed_won", outcome=Outcome.WON, amount=Decimal("10000"),
                          created_at=T0 - timedelta(days=200), closed_at=T0 - timedelta(days=100))
        d = Opportunity(name="big", stage="negotiation", amount=Decimal("30000"), created_at=T0,
                        competitor="Rivalsoft", discount_pct=Decimal("10"))
        s.add_all([won, d])
        s.flush()
        steps = [(0, "prospecting", date(2025, 3, 1)), (10, "discovery", date(2025, 3, 1)),
                 (20, "proposal", date(2025, 4, 1)), (40, "proposal", date(2025, 5, 1)),
                 (70, "negotiation", date(2025, 6, 1))]
        for days, stage, close in steps:  # 10% off the list amount once the proposal is revised
            s.add(OpportunityHistory(opportunity_id=d.id, changed_at=T0 + timedelta(days=days), stage=stage,
                                     amount=Decimal("30000" if days < 40 else "27000"),
                                     expected_close_date=close))
        vp = Contact(email="vp@c.io", seniority=Seniority.VP)
        ic = Contact(email="ic@c.io", seniority=Seniority.INDIVIDUAL)
        s.add_all([vp, ic])
        s.flush()
        s.add_all([OpportunityContact(opportunity_id=d.id, contact_id=vp.id),
                   OpportunityContact(opportunity_id=d.id, contact_id=ic.id)])
        s.add(Activity(type=ActivityType.MEETING, occurred_at=T0 + timedelta(days=30), opportunity_id=d.id,
                       contact_id=vp.id))
        call = Call(started_at=T0 + timedelta(days=45), opportunity_id=d.id)
        s.add(call)
        s.flush()
        s.add(Utterance(call_id=call.id, speaker_label="A", start_seconds=0, end_seconds=5,
                        text="Can you walk me through the pricing?"))
        return {"deal": d.id, "won": won.id}


def test_stage_as_of_the_cutoff(database: Database, deal: dict[str, int]) -> None:
    with database.transaction() as s:
        f = deal_features(s, T0 + timedelta(days=50), [deal["deal"]]).loc[deal["deal"]]
    assert f["stage"] == "proposal"
    assert f["days_in_stage"] == pytest.approx(30.0)  # proposal since day 20
    assert f["close_date_pushes"] == 2  # March -> April -> May
    assert f["stage_changes"] == 2
    assert f["engaged_contacts"] == 1 and f["max_engaged_seniority"] == 4  # the VP met on day 30
    assert f["discount_so_far_pct"] == pytest.approx(10.0)
    assert bool(f["pricing_discussed"])
    assert f["amount_vs_typical"] == pytest.approx(2.7)


def test_nothing_after_the_cutoff(database: Database, deal: dict[str, int]) -> None:
    with database.transaction() as s:
        f = deal_features(s, T0 + timedelta(days=25), [deal["deal"]]).loc[deal["deal"]]
    assert f["stage"] == "proposal" and f["close_date_pushes"] == 1
    assert f["engaged_contacts"] == 0 and not bool(f["pricing_discussed"])
    # The final discount (10%) and the contact list have no dates: nothing of them shows yet.
    assert f["discount_so_far_pct"] == 0 and f["max_engaged_seniority"] == 0
    assert "discount_pct" not in f.index and "contacts_on_deal" not in f.index
    assert pd.isna(f["days_since_last_activity"])
