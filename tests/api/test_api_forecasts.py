"""REST forecasts: managers make and read runs; reps are refused; deal lists are cut to the caller's scope."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest
from fastapi.testclient import TestClient

from salesmind.api.app import create_app
from salesmind.core.db import Database
from salesmind.core.settings import Settings
from salesmind.core.timeutil import FixedClock

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "forecasting"))
from forecast_world import NOW, WEEK_AGO, ForecastWorld, seed_world  # noqa: E402


@pytest.fixture
def world(database: Database) -> ForecastWorld:
    return seed_world(database)


@pytest.fixture
def api(settings: Settings, database: Database, world: ForecastWorld) -> Iterator:  # type: ignore[type-arg]
    app = create_app(settings, database=database, clock=FixedClock(NOW))
    made: list[TestClient] = []

    def as_user(name: str) -> TestClient:
        client = TestClient(app, headers={"Authorization": f"Bearer {world.keys[name]}"})
        made.append(client)
        return client

    yield as_user
    for c in made:
        c.close()


def _two_pipeline_runs(admin: TestClient) -> tuple[dict, dict]:
    old = admin.post("/api/forecasts/pipeline", json={"as_of": WEEK_AGO.isoformat(), "n_simulations": 2000})
    new = admin.post("/api/forecasts/pipeline", json={"n_simulations": 2000})
    assert old.status_code == 201, old.text
    assert new.status_code == 201, new.text
    return old.json(), new.json()


def test_admin_makes_pipeline_runs_and_reads_the_changes(api, world: ForecastWorld) -> None:  # type: ignore[no-untyped-def]
    admin = api("admin")
    old, new = _two_pipeline_runs(admin)
    assert new["as_of"].startswith("2025-06-02") and new["period_start"] == "2025-04-01"
    s = new["summary"]
    assert s["p10"] <= s["p50"] <= s["p90"] and s["commit"] <= s["best_case"] <= s["pipeline"]
    assert [r["id"] for r in admin.get("/api/forecasts?kind=pipeline").json()] == [new["id"], old["id"]]
    detail = admin.get(f"/api/forecasts/{new['id']}").json()
    assert detail["points"][0]["unique_id"] == "total" and detail["points"][0]["actual"] is None
    assert {d["deal_id"] for d in detail["drivers"]} >= {world.deals["slipped"], world.deals["new"]}
    changes = admin.get(f"/api/forecasts/{new['id']}/changes").json()
    assert changes["older_run_id"] == old["id"]
    assert world.deals["won"] in [c["deal_id"] for c in changes["changes"]["won"]]
    assert [c["deal_id"] for c in changes["changes"]["slipped"]] == [world.deals["slipped"]]
    assert changes["bridge"]["end"] == pytest.approx(s["mean"])


def test_manager_sees_only_their_teams_deals_by_name(api, world: ForecastWorld) -> None:  # type: ignore[no-untyped-def]
    _, new = _two_pipeline_runs(api("admin"))
    boss = api("boss")  # manages Ann (East), not Bob (West)
    changes = boss.get(f"/api/forecasts/{new['id']}/changes").json()
    named = {c["deal_id"] for items in changes["changes"].values() for c in items}
    assert world.deals["won"] in named and world.deals["slipped"] in named
    assert world.deals["lost"] not in named and world.deals["pushed"] not in named
    assert changes["hidden"]["lost"]["deals"] == 1 and changes["hidden"]["lost"]["effect"] < 0
    drivers = boss.get(f"/api/forecasts/{new['id']}").json()
    assert all(d["owner_id"] == world.users["ann"] for d in drivers["drivers"])
    assert drivers["hidden_drivers"]["deals"] == 2  # Bob's pushed and steady deals


def test_reps_and_strangers_are_refused(api, world: ForecastWorld) -> None:  # type: ignore[no-untyped-def]
    ann = api("ann")
    assert ann.get("/api/forecasts").status_code == 403
    assert ann.post("/api/forecasts/pipeline", json={}).status_code == 403
    assert TestClient(ann.app).get("/api/forecasts").status_code == 401


def test_user_mistakes_are_clean_errors(api) -> None:  # type: ignore[no-untyped-def]
    admin = api("admin")
    assert admin.get("/api/forecasts/999").json()["error"] == "NotFound"
    future = admin.post("/api/forecasts/pipeline", json={"as_of": "2030-01-01T00:00:00Z"})
    assert future.status_code == 422 and "future" in future.json()["message"]
    assert admin.post("/api/forecasts/history", json={"freq": "hourly"}).status_code == 422
    assert admin.post("/api/forecasts/pipeline", json={"n_simulations": 5}).status_code == 422
    only = admin.post("/api/forecasts/pipeline", json={"n_simulations": 1000}).json()
    assert admin.get(f"/api/forecasts/{only['id']}/changes").status_code == 404


def test_accuracy_after_actuals_are_filled(api) -> None:  # type: ignore[no-untyped-def]
    admin = api("admin")
    made = admin.post("/api/forecasts/pipeline", json={"as_of": "2025-05-02T00:00:00Z", "period": "month",
                                                       "n_simulations": 1000})
    assert made.status_code == 201
    assert admin.get("/api/forecasts/accuracy").json()["overall"]["n"] == 0
    assert admin.post("/api/forecasts/actuals").json() == {"filled": 1}
    report = admin.get("/api/forecasts/accuracy?kind=pipeline").json()
    assert report["overall"]["n"] == 1 and report["runs"][0]["run_id"] == made.json()["id"]
    assert report["overall"]["mape"] is not None
