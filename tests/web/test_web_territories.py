"""The territory planner pages: settings form and plans, a plan with charts, rep filter, apply; errors flashed."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from salesmind.api.app import create_app
from salesmind.core.db import Database
from salesmind.data.models import Account

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "territories"))
from territory_world import PASSWORD, build_territory_world


def log_in(database: Database, who: str) -> TestClient:
    client = TestClient(create_app(database.settings, database=database))
    response = client.post("/login", data={"email": f"{who}@t.io", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def chart(html: str, chart_id: str) -> dict:  # type: ignore[type-arg]
    found = re.search(rf'<script type="application/json" id="{chart_id}-data">(.*?)</script>', html, re.DOTALL)
    assert found, chart_id
    return json.loads(found.group(1))


def test_plan_page_charts_moves_filter_and_apply(sqlite_database: Database) -> None:
    world = build_territory_world(sqlite_database)
    client = log_in(sqlite_database, "admin")
    index = client.get("/territories").text
    assert 'href="/territories"' in index and 'id="plan-form"' in index and "No plans yet" in index
    made = client.post("/territories/plans", data={"name": "FY27", "balance_pct": "100", "move_cost_pct": "1",
                                                    "same_region": "on", "lock_late_stage": "on"},
                       follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/territories/plans/")
    html = client.get(made.headers["location"]).text
    bars = chart(html, "territory-objective")["data"][0]
    assert bars["x"] == ["This plan", "Current owners", "Round-robin", "Greedy"]
    assert bars["y"][0] >= bars["y"][1]
    assert len(chart(html, "territory-load")["data"]) == 2
    assert 'data-export="territory-plan-' in html and 'id="apply-form"' in html and "confirm(" in html
    moves = html[html.index('id="moves-table"'):]
    shown = moves.count("<tr>") - 1
    assert shown >= 2 and "Moves" in moves and "download all as CSV" not in html
    from salesmind.web.routes import territories as page_module

    page_module.MOVES_SHOWN, before = 1, page_module.MOVES_SHOWN  # a long plan lists its largest gains only
    try:
        capped = client.get(made.headers["location"]).text
    finally:
        page_module.MOVES_SHOWN = before
    assert capped[capped.index('id="moves-table"'):].count("<tr>") - 1 == 1
    assert f"The 1 largest gains of {shown} moves" in capped and "?format=csv" in capped
    ann = client.get(f"{made.headers['location']}?rep={world.users['ann']}").text
    assert "from or to one rep" in ann
    applied = client.post(f"{made.headers['location']}/apply", follow_redirects=True).text
    assert "Plan applied" in applied and 'id="apply-form"' not in applied
    with sqlite_database.transaction() as s:
        assert s.get(Account, world.locked_account).owner_id == world.users["amy"]
    assert "FY27" in client.get("/territories").text


def test_infeasible_settings_are_flashed(sqlite_database: Database) -> None:
    build_territory_world(sqlite_database)
    client = log_in(sqlite_database, "boss")
    page = client.post("/territories/plans", data={"capacity": "1", "same_region": "on"}, follow_redirects=True).text
    assert "No plan made" in page and "capacity" in page
    page = client.post("/territories/plans", data={"capacity": "many"}, follow_redirects=True).text
    assert "must be a number" in page
