"""REST pipeline analytics: conversion, velocity, coverage, cohorts; scope, CSV and input checks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from salesmind.data.models import Lead, Opportunity, OpportunityHistory
from salesmind.data.models.base import Outcome

PERIOD = {"start": "2024-01-01", "end": "2024-04-01"}


def _at(month: int, day: int) -> datetime:
    return datetime(2024, month, day, tzinfo=UTC)


def seed(database, world) -> None:  # type: ignore[no-untyped-def]
    """Ann: one deal won through discovery -> proposal; Bob: one lost in discovery; one converted lead each."""
    with database.transaction() as s:
        for rep, path, outcome in (("ann", ["discovery", "proposal", "closed_won"], Outcome.WON),
                                   ("bob", ["discovery", "closed_lost"], Outcome.LOST)):
            deal = Opportunity(name=f"{rep}-q1", owner_id=world.users[rep], stage=path[-1], outcome=outcome,
                               amount=Decimal(5000), created_at=_at(1, 1), closed_at=_at(1, 1 + 10 * (len(path) - 1)),
                               lead_source="web", expected_close_date=date(2024, 2, 1))
            s.add(deal)
            s.flush()
            for step, stage in enumerate(path):
                s.add(OpportunityHistory(opportunity_id=deal.id, changed_at=_at(1, 1 + 10 * step), stage=stage))
            s.add(Lead(first_name=f"{rep}-q1", owner_id=world.users[rep], source="web", created_at=_at(1, 2),
                       converted_at=_at(1, 3), converted_opportunity_id=deal.id))


def test_pipeline_conversion_scoped_and_csv(as_user, world, database) -> None:  # type: ignore[no-untyped-def]
    seed(database, world)
    admin = as_user("admin").get("/api/analytics/pipeline", params=PERIOD)
    assert admin.status_code == 200, admin.text
    body = admin.json()
    assert body["stages"] == ["discovery", "proposal"]
    rows = {r["from_stage"]: r for r in body["conversion"]}
    assert (rows["discovery"]["resolved"], rows["discovery"]["converted"]) == (2, 1)
    assert (rows["proposal"]["resolved"], rows["proposal"]["converted"], rows["proposal"]["to_stage"]) == (1, 1, "won")
    assert {(f["source"], f["target"], f["deals"]) for f in body["flows"]} == {
        ("discovery", "proposal", 1), ("discovery", "lost", 1), ("proposal", "won", 1)}
    boss = as_user("boss").get("/api/analytics/pipeline", params=PERIOD).json()  # East: Ann only
    assert {r["from_stage"]: r["resolved"] for r in boss["conversion"]}["discovery"] == 1
    grouped = as_user("admin").get("/api/analytics/pipeline", params=dict(PERIOD, group_by="owner")).json()
    assert [g["group"] for g in grouped["groups"]] == ["Ann", "Bob"]
    csv = as_user("admin").get("/api/analytics/pipeline", params=dict(PERIOD, format="csv"))
    assert csv.headers["content-type"].startswith("text/csv") and "attachment" in csv.headers["content-disposition"]
    assert csv.text.splitlines()[0].startswith("from_stage,to_stage,resolved,converted,rate,low,high")


def test_velocity_coverage_cohorts(as_user, world, database) -> None:  # type: ignore[no-untyped-def]
    seed(database, world)
    client = as_user("admin")
    speed = client.get("/api/analytics/velocity", params=PERIOD).json()
    current = speed["current"]
    # Q1: Ann's win (5000 in 20 days) and Bob's loss
    assert (current["win_rate"], current["deal_size"], current["cycle_days"]) == (0.5, 5000.0, 20.0)
    assert len(speed["trend"]) == 8
    cover = client.get("/api/analytics/coverage", params=dict(PERIOD, target=10000)).json()
    assert (cover["target_source"], cover["won"]) == ("parameter", 5000.0)
    assert client.get("/api/analytics/coverage", params=PERIOD).json()["target_source"] == "none"
    rows = client.get("/api/analytics/cohorts", params=PERIOD).json()["rows"]
    assert rows == [{"source": "web", "month": "2024-01", "leads": 2, "converted": 2, "converted_share": 1.0,
                     "traced": 2, "won": 1, "won_share": 0.5, "won_per_lead": 0.5}]
    assert client.get("/api/analytics/cohorts", params=dict(PERIOD, format="csv")).text.startswith("source,month,")


def test_input_errors(as_user, world) -> None:  # type: ignore[no-untyped-def]
    client = as_user("admin")
    reversed_period = client.get("/api/analytics/pipeline", params={"start": "2024-04-01", "end": "2024-01-01"})
    assert reversed_period.status_code == 422 and "must be after its start" in reversed_period.text
    assert client.get("/api/analytics/velocity", params={"start": "2024-04-01"}).status_code == 422
    assert client.get("/api/analytics/pipeline", params={"start": "yesterday", "end": "2024-01-01"}).status_code == 422
    assert client.get("/api/analytics/coverage", params={"group_by": "colour"}).status_code == 422
    assert client.get("/api/analytics/coverage", params={"target": "-5"}).status_code == 422
    assert client.get("/api/analytics/pipeline").status_code == 200  # this quarter by default
