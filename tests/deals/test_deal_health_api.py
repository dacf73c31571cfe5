"""REST deal health: the deal's health, the risk list (scoped), refresh for managers, notifications."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from salesmind.api.app import create_app
from salesmind.core.db import Database
from salesmind.core.timeutil import FixedClock

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deal_health_world import DealWorld, seed_deals  # noqa: E402


@pytest.fixture
def world(database: Database) -> DealWorld:
    return seed_deals(database)


@pytest.fixture
def api(database: Database, world: DealWorld):  # type: ignore[no-untyped-def]
    app = create_app(database.settings, database=database, clock=FixedClock(datetime(2025, 6, 1, tzinfo=timezone.utc)))
    return lambda who: TestClient(app, headers={"Authorization": f"Bearer {world.keys[who]}"})


def test_refresh_health_risks_and_notifications(api, world: DealWorld) -> None:  # type: ignore[no-untyped-def]
    sick = world.deals["sick"]
    before = api("ann").get(f"/api/opportunities/{sick}/health")
    assert before.status_code == 200 and before.json()["score"] is None
    assert api("ann").post("/api/deal-health/refresh", json={}).status_code == 403
    made = api("boss").post("/api/deal-health/refresh", json={"as_of": "2025-06-01T00:00:00Z"})
    assert made.status_code == 201 and made.json()["deals"] == 2 and made.json()["notifications"] == 12
    health = api("ann").get(f"/api/opportunities/{sick}/health").json()
    assert (health["score"], health["grade"]) == (0.0, "critical")
    assert "close date pushed 3 times" in [f["message"] for f in health["flags"]]
    assert [p["source"] for p in health["sentiment"]] == ["call", "email", "call"]
    assert api("bob").get(f"/api/opportunities/{sick}/health").status_code == 404
    assert [r["name"] for r in api("admin").get("/api/deal-risks").json()] == ["Acme platform", "Beta pilot"]
    assert [r["name"] for r in api("bob").get("/api/deal-risks").json()] == ["Beta pilot"]
    assert [r["name"] for r in api("admin").get("/api/deal-risks?flag=no_next_step").json()] == ["Acme platform"]
    assert api("admin").get("/api/deal-risks?flag=gloomy").status_code == 422
    assert api("admin").post("/api/deal-health/refresh", json={"as_of": "2030-01-01T00:00:00Z"}).status_code == 422
    notes = api("ann").get("/api/notifications").json()
    assert len(notes) == 6 and {n["link"] for n in notes} == {f"/opportunities/{sick}"}
    read = api("ann").post(f"/api/notifications/{notes[0]['id']}/read")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert len(api("ann").get("/api/notifications?unread=true").json()) == 5
    assert api("bob").post(f"/api/notifications/{notes[1]['id']}/read").status_code == 404
    assert api("bob").get("/api/notifications").json() == []
