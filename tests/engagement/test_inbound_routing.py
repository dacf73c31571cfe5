"""Routing: each kind of rule, the order they are tried in, fair round robin, inactive reps skipped, admin checks."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.data.models import Role, RoutingRule, Territory, User
from salesmind.engagement.inbound import create_rule, handle_submission, list_rules, update_rule
from salesmind.engagement.inbound.routing import seed_demo_routing

from mail_world import mail_db, smtp  # noqa: F401
from inbound_world import NOW, Team, form, team  # noqa: F401


def routed(db: Database, **fields: object) -> tuple[int | None, str]:
    made = handle_submission(db, form(**fields), source="web", now=NOW)
    return made.routed_to_id, made.routing_reason or ""


def test_account_owner_by_email_domain(mail_db: Database, team: Team) -> None:
    who, why = routed(mail_db, email="buyer@acme.example", region="EMEA", employees="5000")
    assert who == team.ana and "matched by the domain acme.example" in why and "owned by Ana" in why


def test_territory_by_region_rotates_among_its_reps(mail_db: Database, team: Team) -> None:
    got = [routed(mail_db, email=f"p{i}@emea.example", country="EMEA")[0] for i in range(4)]
    assert got == [team.ben, team.cho, team.ben, team.cho]
    assert "territory EMEA covers region EMEA" in routed(mail_db, email="q@emea.example", region="emea")[1]


def test_a_territory_naming_the_industry_wins_over_the_region_only_one(mail_db: Database, team: Team) -> None:
    with mail_db.transaction() as s:
        fin = Territory(name="EMEA finance", region="EMEA", industry="Finance")
        s.add(fin)
        s.flush()
        s.get(User, team.gus).territory_id = fin.id
    assert routed(mail_db, email="f@bank.example", region="EMEA", industry="finance")[0] == team.gus
    assert routed(mail_db, email="r@shop.example", region="EMEA", industry="Retail")[0] in (team.ben, team.cho)


def test_deal_size_by_employees_or_budget(mail_db: Database, team: Team) -> None:
    who, why = routed(mail_db, email="big@corp.example", employees="1500")
    assert who == team.dee and "1,500 employees reach 1,000" in why
    who, why = routed(mail_db, email="rich@small.example", employees="20", budget="75000")
    assert who == team.dee and "budget of 75,000 reaches 50,000" in why
    assert routed(mail_db, email="small@small.example", employees="20", budget="100")[0] != team.dee


def test_round_robin_fallback_skips_inactive_reps_and_is_fair(mail_db: Database, team: Team) -> None:
    got = Counter(routed(mail_db, email=f"r{i}@nowhere.example")[0] for i in range(10))
    assert set(got) == {team.eve, team.gus} and abs(got[team.eve] - got[team.gus]) <= 1


def test_a_concurrent_burst_is_spread_evenly(mail_db: Database, team: Team) -> None:
    def one(i: int) -> int | None:
        return routed(mail_db, email=f"burst{i}@nowhere.example")[0]

    with ThreadPoolExecutor(4) as pool:
        got = Counter(pool.map(one, range(24)))
    assert got == {team.eve: 12, team.gus: 12}


def test_nobody_active_leaves_the_lead_unassigned_and_says_so(mail_db: Database, team: Team) -> None:
    with mail_db.transaction() as s:
        for rule in s.scalars(select(RoutingRule)):
            rule.is_active = False
    assert routed(mail_db, email="x@nowhere.example") == (None, "no routing rule matched an active rep: unassigned "
                                                                 "(not scored: no lead model is trained)")


def test_an_existing_owner_keeps_the_lead(mail_db: Database, team: Team) -> None:
    first, _ = routed(mail_db, email="back@nowhere.example")
    again, why = routed(mail_db, email="back@nowhere.example")
    assert again == first and "already owned by" in why


def test_rules_are_tried_in_position_order(mail_db: Database, team: Team) -> None:
    with mail_db.transaction() as s:
        rotation = next(r for r in list_rules(s) if r.kind == "round_robin")
        update_rule(s, rotation.id, position=0, assignee_ids=[team.gus])
    assert routed(mail_db, email="buyer@acme.example")[0] == team.gus


@pytest.mark.parametrize("kwargs, words", [
    ({"kind": "lottery"}, "kind must be one of"),
    ({"kind": "round_robin"}, "needs at least one assignee"),
    ({"kind": "deal_size", "assignee_ids": [1]}, "needs min_employees or min_budget"),
    ({"kind": "deal_size", "conditions": {"min_employees": -1}, "assignee_ids": [1]}, "at least 0"),
    ({"kind": "territory", "conditions": {"min_budget": 5}}, "do not apply to a territory rule"),
    ({"kind": "round_robin", "assignee_ids": [99999]}, "are not users"),
])
def test_bad_rules_are_refused_with_the_reason(mail_db: Database, team: Team, kwargs: dict, words: str) -> None:
    with mail_db.transaction() as s, pytest.raises(UserInputError, match=words):
        create_rule(s, name="bad", **kwargs)


def test_the_demo_routing_seed_fills_an_empty_rule_list_once(database: Database) -> None:
    with database.transaction() as s:
        reps = [User(email=f"{n}@seller.example", name=n, role=Role.REP, is_active=n != "off") for n in ("a", "b", "off")]
        s.add_all(reps + [User(email="boss@seller.example", name="Boss", role=Role.MANAGER)])
        s.flush()
        assert seed_demo_routing(s) == 3
        rules = list(s.scalars(select(RoutingRule).order_by(RoutingRule.position)))
        assert [r.kind for r in rules] == ["account_owner", "territory", "round_robin"]
        assert rules[-1].assignee_ids == [reps[0].id, reps[1].id]  # active reps only, managers never
        assert seed_demo_routing(s) == 0  # an admin's (or the last seed's) rules are never replaced
