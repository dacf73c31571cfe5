"""The /forecast page: numbers, bands, drivers, the change view and accuracy; managers and admins only."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from salesmind.api import create_app
from salesmind.core.db import Database
from salesmind.core.timeutil import FixedClock
from salesmind.forecasting.service import run_history_forecast, run_pipeline_forecast

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "forecasting"))
from forecast_world import NOW, PASSWORD, WEEK_AGO, ForecastWorld, MeanForecaster, seed_world  # noqa: E402


def log_in(database: Database, who: str) -> TestClient:
    client = TestClient(create_app(database.settings, database=database, clock=FixedClock(NOW)))
    response = client.post("/login", data={"email": f"{who}@f.io", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def make_runs(database: Database) -> None:
    run_history_forecast(database, as_of=NOW, freq="month", horizon=3, forecaster=MeanForecaster("MS", 3))
    run_pipeline_forecast(database, as_of=WEEK_AGO, n_simulations=2000)
    run_pipeline_forecast(database, as_of=NOW, n_simulations=2000)


def chart(html: str, chart_id: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{chart_id}-data">(.*?)</script>', html, re.S)
    assert found, chart_id
    return json.loads(found.group(1))


def test_empty_state_before_any_run(database: Database) -> None:
    seed_world(database, with_keys=False)
    page = log_in(database, "admin").get("/forecast")
    assert page.status_code == 200
    assert "No forecast is stored yet" in page.text


def test_admin_sees_numbers_bands_drivers_and_changes(database: Database) -> None:
    world: ForecastWorld = seed_world(database, with_keys=False)
    make_runs(database)
    html = log_in(database, "admin").get("/forecast").text
    for section in ("pipeline", "drivers", "changes", "history", "accuracy"):
        assert f'id="{section}"' in html
    history = chart(html, "history-chart")
    names = [t.get("name") for t in history["data"]]
    assert names[:2] == ["95% interval", "80% interval"] and "Forecast" in names and "Bookings" in names
    dist = chart(html, "distribution-chart")
    assert [t["name"].split()[0] for t in dist["data"][1:]] == ["P10", "P50", "P90"]
    bridge = chart(html, "bridge-chart")["data"][0]
    assert bridge["type"] == "waterfall" and bridge["x"][0] == "Last run" and bridge["x"][-1] == "This run"
    assert "Slipped" in bridge["x"]
    assert 'data-category="slipped"' in html and "slipped deal" in html and "lost deal" in html
    assert f'href="/opportunities/{world.deals["new"]}"' in html


def test_manager_sees_other_teams_deals_only_as_a_sum(database: Database) -> None:
    seed_world(database, with_keys=False)
    make_runs(database)
    html = log_in(database, "boss").get("/forecast").text
    assert "slipped deal" in html  # Ann's, on the boss's team
    assert "lost deal" not in html and "pushed deal" not in html  # Bob's
    assert "of other teams" in html


def test_reps_do_not_get_the_page_or_the_nav_item(database: Database) -> None:
    seed_world(database, with_keys=False)
    ann = log_in(database, "ann")
    assert ann.get("/forecast").status_code == 404
    assert 'href="/forecast"' not in ann.get("/").text
    assert 'href="/forecast"' in log_in(database, "admin").get("/").text


def test_unknown_or_wrong_kind_of_run_is_a_404(database: Database) -> None:
    seed_world(database, with_keys=False)
    make_runs(database)
    admin = log_in(database, "admin")
    assert admin.get("/forecast?pipeline=999").status_code == 404
    assert admin.get("/forecast?pipeline=1").status_code == 404  # run 1 is a history run
    assert admin.get("/forecast?history=1").status_code == 200
