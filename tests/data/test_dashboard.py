"""Home-page numbers and linked-record panels, through the caller's scope, with exact money."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from salesmind.core.db import Database
from salesmind.data import dashboard
from salesmind.data.models import (
    Account,
    Activity,
    ActivityType,
    Contact,
    Lead,
    Opportunity,
    OpportunityContact,
    Outcome,
    Role,
    User,
)
from salesmind.data.scope import Scope

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def ids(database: Database) -> dict[str, int]:
    """Rep Ann owns three open deals in two currencies and one won deal; rep Bob owns one open deal."""
    with database.transaction() as s:
        ann, bob = User(email="ann@x.io", name="Ann", role=Role.REP), User(email="bob@x.io", name="Bob", role=Role.REP)
        s.add_all([ann, bob])
        s.flush()
        acme = Account(name="Acme", owner_id=ann.id)
        s.add(acme)
        s.flush()
        carla, gina = (Contact(first_name="Carla", account_id=acme.id, owner_id=ann.id),
                       Contact(first_name="Gina", account_id=acme.id, owner_id=bob.id))
        s.add_all([carla, gina, Lead(first_name="Liam", owner_id=ann.id)])
        s.flush()
        deals = [
            Opportunity(name="a1", owner_id=ann.id, account_id=acme.id, amount=Decimal("100.10"), stage="proposal",
                        expected_close_date=date(2025, 3, 1), primary_contact_id=carla.id),
            Opportunity(name="a2", owner_id=ann.id, account_id=acme.id, amount=Decimal("0.20"), stage="proposal",
                        expected_close_date=date(2025, 2, 1)),
            Opportunity(name="a3", owner_id=ann.id, amount=Decimal("50"), currency="EUR", stage="custom stage"),
            Opportunity(name="a4", owner_id=ann.id, amount=Decimal("999"), stage="closed_won", outcome=Outcome.WON),
            Opportunity(name="b1", owner_id=bob.id, account_id=acme.id, amount=Decimal("7"), stage="prospecting"),
        ]
        s.add_all(deals)
        s.flush()
        s.add(OpportunityContact(opportunity_id=deals[1].id, contact_id=carla.id, role="champion"))
        s.add_all([
            Activity(type=ActivityType.CALL, occurred_at=T0, opportunity_id=deals[0].id, subject="ann call"),
            Activity(type=ActivityType.CALL, occurred_at=T0, opportunity_id=deals[4].id, subject="bob call"),
            Activity(type=ActivityType.WEB_VISIT, occurred_at=T0, account_id=acme.id, contact_id=gina.id),
        ])
        return {"ann": ann.id, "bob": bob.id, "acme": acme.id, "carla": carla.id, "gina": gina.id}


def _scope(s, user_id: int) -> Scope:  # type: ignore[no-untyped-def]
    return Scope.for_user(s, s.get(User, user_id))


def test_home_counts_are_scoped(database: Database, ids: dict[str, int]) -> None:
    with database.transaction() as s:
        assert dashboard.home_counts(s, _scope(s, ids["ann"])) == dashboard.HomeCounts(1, 3, 1, 1)
        assert dashboard.home_counts(s, Scope.everything()) == dashboard.HomeCounts(1, 4, 1, 2)


def test_pipeline_by_stage_sums_exactly_in_ladder_order(database: Database, ids: dict[str, int]) -> None:
    with database.transaction() as s:
        totals = dashboard.pipeline_by_stage(s, _scope(s, ids["ann"]))
    assert totals == [
        dashboard.StageTotal("proposal", "USD", 2, Decimal("100.30")),
        dashboard.StageTotal("custom stage", "EUR", 1, Decimal("50.00")),
    ]


def test_recent_activity_names_the_visible_record(database: Database, ids: dict[str, int]) -> None:
    with database.transaction() as s:
        recent = dashboard.recent_activity(s, _scope(s, ids["ann"]))
    shown = {(a.title, a.record_kind, a.record_name) for a in recent}
    # Bob's deal call is hidden; the web visit is on Ann's account though the contact is Bob's.
    assert shown == {("ann call", "opportunity", "a1"), ("Web visit", "account", "Acme")}


def test_linked_records_are_scoped(database: Database, ids: dict[str, int]) -> None:
    with database.transaction() as s:
        scope = _scope(s, ids["ann"])
        assert [c.first_name for c in dashboard.account_contacts(s, scope, ids["acme"])] == ["Carla"]
        assert sorted(d.name for d in dashboard.account_opportunities(s, scope, ids["acme"])) == ["a1", "a2"]
        assert sorted(d.name for d in dashboard.contact_opportunities(s, scope, ids["carla"])) == ["a1", "a2"]
        deal = next(d for d in dashboard.account_opportunities(s, scope, ids["acme"]) if d.name == "a2")
        assert [(c.first_name, r) for c, r in dashboard.opportunity_contacts(s, scope, deal.id)] == [
            ("Carla", "champion")]
        assert [d.name for d in dashboard.closing_soon(s, scope)] == ["a2", "a1"]
