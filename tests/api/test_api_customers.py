"""REST customers: list, health, warnings, refresh permissions; everything cut to the caller's scope."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from salesmind.core.db import Database

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "customers"))
from customer_world import CustomerWorld, seed_customers  # noqa: E402


@pytest.fixture
def world(database: Database) -> CustomerWorld:
    """The customer book instead of the API world (``as_user`` from conftest uses its keys)."""
    return seed_customers(database)


@pytest.fixture
def api(as_user):  # type: ignore[no-untyped-def]
    return as_user


def test_list_sorted_and_scoped(api, world: CustomerWorld) -> None:  # type: ignore[no-untyped-def]
    page = api("admin").get("/api/customers", params={"sort": "risk", "limit": 2}).json()
    assert page["total"] == 4 and [c["name"] for c in page["items"]] == ["Risky Inc", "Bobs Inc"]
    assert page["items"][0]["open_alerts"] == 1 and page["items"][0]["clv_low"] < page["items"][0]["clv"]
    ann = api("ann").get("/api/customers").json()
    assert {c["name"] for c in ann["items"]} == {"Risky Inc", "Steady Inc"}
    assert api("admin").get("/api/customers", params={"sort": "colour"}).status_code == 422


def test_health_and_alerts(api, world: CustomerWorld) -> None:  # type: ignore[no-untyped-def]
    risky = world.accounts["risky"]
    health = api("ann").get(f"/api/customers/{risky}").json()
    assert health["current"]["churn_probability"] == pytest.approx(0.55)
    assert [v["churn_probability"] for v in health["history"]] == pytest.approx([0.10, 0.55])
    assert health["details"]["next_actions"][0]["action"] == "Offer training"
    assert health["subscriptions"][0]["reasons"]["positive"]
    assert api("bob").get(f"/api/customers/{risky}").status_code == 404
    open_alerts = api("admin").get("/api/customers/alerts").json()
    assert [a["account_id"] for a in open_alerts] == [risky]
    assert api("bob").patch(f"/api/customers/alerts/{world.alerts['risky']}",
                            json={"status": "resolved"}).status_code == 404
    done = api("ann").patch(f"/api/customers/alerts/{world.alerts['risky']}", json={"status": "resolved"})
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    assert api("admin").get("/api/customers/alerts").json() == []


def test_refresh_is_for_managers(api) -> None:  # type: ignore[no-untyped-def]
    assert api("ann").post("/api/customers/refresh", json={}).status_code == 403
    future = api("admin").post("/api/customers/refresh", json={"as_of": "2030-01-01T00:00:00Z"})
    assert future.status_code == 422 and "future" in future.text
    ancient = api("admin").post("/api/customers/refresh", json={"as_of": "1677-01-01T00:00:00Z"})
    assert ancient.status_code == 422 and "before 1900" in ancient.text
