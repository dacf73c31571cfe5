"""REST territory plans: create (validated, 422 naming the constraint), list, show with CSV, apply, scope."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from salesmind.api.app import create_app
from salesmind.core.db import Database
from salesmind.core.settings import Settings
from salesmind.data.models import Account, User
from salesmind.data.users import create_api_key

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "territories"))
from territory_world import TerritoryWorld, build_territory_world


@pytest.fixture
def tworld(sqlite_database: Database) -> TerritoryWorld:
    return build_territory_world(sqlite_database)


@pytest.fixture
def call(sqlite_settings: Settings, sqlite_database: Database, tworld: TerritoryWorld) -> Iterator:  # type: ignore[type-arg]
    app = create_app(sqlite_settings, database=sqlite_database)
    keys = {}
    with sqlite_database.transaction() as s:
        for name in ("admin", "boss", "other_boss", "ann"):
            keys[name] = create_api_key(s, s.get(User, tworld.users[name]), "t")[1]
    clients = {n: TestClient(app, headers={"Authorization": f"Bearer {k}"}) for n, k in keys.items()}
    yield clients
    for c in clients.values():
        c.close()


def test_plan_show_csv_and_apply(call, tworld: TerritoryWorld, sqlite_database: Database) -> None:  # type: ignore[no-untyped-def]
    admin = call["admin"]
    made = admin.post("/api/territories/plans", json={"name": "Q3", "balance": 1.0, "move_cost": 0.01})
    assert made.status_code == 201, made.text
    plan = made.json()
    assert plan["accounts"] == 16 and plan["summary"]["baselines"]["greedy"]["objective"] > 0
    assert plan["objective"] >= plan["current_objective"]
    shown = admin.get(f"/api/territories/plans/{plan['id']}").json()
    assert len(shown["rows"]) == plan["moves"] and all(r["moved"] for r in shown["rows"])
    every = admin.get(f"/api/territories/plans/{plan['id']}", params={"all_rows": True}).json()
    assert len(every["rows"]) == 16
    csv = admin.get(f"/api/territories/plans/{plan['id']}", params={"format": "csv", "all_rows": True})
    assert csv.headers["content-type"].startswith("text/csv") and "territory-plan" in csv.headers["content-disposition"]
    assert csv.text.splitlines()[0].startswith("account_id,account,from_owner_id") and len(csv.text.splitlines()) == 17
    assert [p["id"] for p in admin.get("/api/territories/plans").json()] == [plan["id"]]
    applied = admin.post(f"/api/territories/plans/{plan['id']}/apply")
    assert applied.status_code == 200 and applied.json()["status"] == "applied"
    with sqlite_database.transaction() as s:
        for row in every["rows"]:
            assert s.get(Account, row["account_id"]).owner_id == row["to_owner_id"]
    again = admin.post(f"/api/territories/plans/{plan['id']}/apply")
    assert again.status_code == 422 and "draft" in again.json()["message"]


INVALID = [({"capacity": 0}, "capacity"), ({"balance": 11}, "balance"), ({"move_cost": -0.1}, "move_cost"),
           ({"capacity": 2}, "capacity"), ({"balance": 0, "same_region": False}, "balance"), ({"nope": 1}, "nope")]


def test_invalid_or_infeasible_settings_are_422(call) -> None:  # type: ignore[no-untyped-def]
    for body, words in INVALID:
        response = call["admin"].post("/api/territories/plans", json=body)
        assert response.status_code == 422 and words in response.text, (body, response.text)


def test_scope_reps_forbidden_other_managers_not_found(call, tworld: TerritoryWorld) -> None:  # type: ignore[no-untyped-def]
    assert call["ann"].post("/api/territories/plans", json={}).status_code == 403
    refused = call["boss"].post("/api/territories/plans", json={})  # the defaults balance +-30%: 8 accounts can't
    assert refused.status_code == 422 and "balance" in refused.json()["message"]
    plan = call["boss"].post("/api/territories/plans", json={"balance": None}).json()
    assert plan["accounts"] == 8 and plan["settings"]["move_cost"] == 0.05
    assert call["other_boss"].get(f"/api/territories/plans/{plan['id']}").status_code == 404
    assert call["other_boss"].post(f"/api/territories/plans/{plan['id']}/apply").status_code == 404
    assert call["admin"].get(f"/api/territories/plans/{plan['id']}").status_code == 200
