"""The deal frame and stage visits every manager analysis reads."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from salesmind.analytics.frames import deal_frame, is_closed_stage, stage_events, stage_order
from salesmind.data.models import Account, Opportunity, OpportunityContact, OpportunityHistory, Contact, Role
from salesmind.data.models.base import Outcome
from salesmind.data.scope import Scope
from salesmind.data.users import create_user


def _at(day: int) -> datetime:
    return datetime(2025, 1, day, tzinfo=timezone.utc)


def test_frame_visits_and_scope(database) -> None:
    with database.transaction() as s:
        rep = create_user(s, "rep@x.test", "Rep", Role.REP)
        other = create_user(s, "other@x.test", "Other", Role.REP)
        acc = Account(name="Acme", employees=500, industry="Software", region="EMEA")
        s.add(acc)
        s.flush()
        won = Opportunity(name="A", account=acc, owner_id=rep.id, stage="closed_won", outcome=Outcome.WON,
                          amount=1000, created_at=_at(1), closed_at=_at(20))
        bare = Opportunity(name="B", owner_id=other.id, stage="discovery", amount=50, created_at=_at(2))
        s.add_all([won, bare])
        s.flush()
        for day, stage in ((1, "prospecting"), (5, "discovery"), (6, "discovery"), (20, "closed_won")):
            s.add(OpportunityHistory(opportunity_id=won.id, changed_at=_at(day), stage=stage))
        c1, c2 = Contact(account=acc, email="a@acme.test"), Contact(account=acc, email="b@acme.test")
        s.add_all([c1, c2])
        s.flush()
        s.add_all([OpportunityContact(opportunity_id=won.id, contact_id=c.id) for c in (c1, c2)])
        rep_id, won_id = rep.id, won.id
    with database.transaction() as s:
        everything = deal_frame(s, Scope.everything())
        mine = deal_frame(s, Scope(rep_id, Role.REP, frozenset({rep_id})))
        visits = stage_events(s, everything)
    assert list(mine["deal_id"]) == [won_id]
    row = everything.set_index("deal_id").loc[won_id]
    assert (row["segment"], row["stakeholders"], row["outcome"]) == ("mid_market", 2, "won")
    mine_visits = visits[visits["deal_id"] == won_id]
    # the repeated discovery row is one visit; the closed stage never exits
    assert mine_visits["stage"].tolist() == ["prospecting", "discovery", "closed_won"]
    assert mine_visits["next_stage"].tolist()[:2] == ["discovery", "closed_won"]
    assert pd.isna(mine_visits["exited_at"].iloc[-1])
    # a deal without history is one visit of its current stage from its creation
    assert visits[visits["deal_id"] != won_id]["stage"].tolist() == ["discovery"]


def test_stage_order_from_data_for_foreign_ladders() -> None:
    rows = []
    for deal, ladder in enumerate([["Lead", "Demo", "Offer", "Won"], ["Lead", "Offer", "Lost"], ["Demo", "Offer"],
                                   ["Lead", "Demo", "Lost"]]):
        rows += [(deal, stage, _at(day + 1)) for day, stage in enumerate(ladder)]
    events = pd.DataFrame(rows, columns=["deal_id", "stage", "entered_at"])
    assert stage_order(events) == ["Lead", "Demo", "Offer"]
    # final-state exports: no deal visits both open stages; deals close from "Engaging", never from "Prospecting"
    final = pd.DataFrame([(1, "Prospecting", _at(2), None), (2, "Engaging", _at(1), "Won"), (2, "Won", _at(3), None),
                          (3, "Engaging", _at(1), None)], columns=["deal_id", "stage", "entered_at", "next_stage"])
    assert stage_order(final) == ["Prospecting", "Engaging"]
    assert stage_order(events.iloc[:0]) == [] and stage_order(pd.DataFrame(columns=["deal_id"])) == []
    assert is_closed_stage("Closed Won") and is_closed_stage("lost") and not is_closed_stage("Negotiation")
