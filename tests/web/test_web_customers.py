"""The /customers pages: the list with warnings and the risk/value map, account health, scope, alert actions."""

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

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "customers"))
from customer_world import NOW, PASSWORD, seed_customers  # noqa: E402


def log_in(database: Database, who: str) -> TestClient:
    client = TestClient(create_app(database.settings, database=database, clock=FixedClock(NOW)))
    response = client.post("/login", data={"email": f"{who}@c.io", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def chart(html: str, chart_id: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{chart_id}-data">(.*?)</script>', html, re.S)
    assert found, chart_id
    return json.loads(found.group(1))


def test_empty_list_says_how_to_fill_it(sqlite_database: Database) -> None:
    seed = sqlite_database
    with seed.transaction() as s:
        from salesmind.data.models import Role
        from salesmind.data.users import create_user
        create_user(s, "admin@c.io", "Admin", Role.ADMIN, password=PASSWORD)
    html = log_in(seed, "admin").get("/customers").text
    assert "salesmind customers refresh" in html


def test_list_shows_warnings_table_and_map(sqlite_database: Database) -> None:
    seed_customers(sqlite_database)
    html = log_in(sqlite_database, "admin").get("/customers").text
    assert 'href="/customers"' in html  # the nav item
    table = html[html.index('id="customer-table"'):]
    order = [table.index(n) for n in ("Risky Inc", "Bobs Inc", "Steady Inc", "Orphan Inc")]
    assert order == sorted(order)
    alerts = html[html.index('id="alerts"'):html.index("Risk against value")]
    assert "Risky Inc" in alerts and "Adoption workshop" in alerts and "Bobs Inc" not in alerts
    segments = {trace["name"] for trace in chart(html, "customer-map")["data"]}
    assert segments == {"At-risk big spenders", "High-value loyal"}  # Orphan has no risk: not on the map
    by_value = log_in(sqlite_database, "admin").get("/customers?sort=value&segment=High-value+loyal").text
    table = by_value[by_value.index('id="customer-table"'):]
    assert table.index("Steady Inc") < table.index("Bobs Inc") and "Risky Inc" not in table


def test_account_page_shows_causes_value_advice_and_history(sqlite_database: Database) -> None:
    world = seed_customers(sqlite_database)
    html = log_in(sqlite_database, "ann").get(f"/customers/{world.accounts['risky']}").text
    for section in ("health-numbers", "causes", "actions", "recommendations", "subscriptions", "alerts"):
        assert f'id="{section}"' in html
    assert "risky cause" in html and "Executive call" in html and "Coaching" in html and "Offer training" in html
    traces = chart(html, "health-chart")["data"]
    risk = next(t for t in traces if t["name"] == "Churn risk (%)")
    assert risk["y"] == pytest.approx([10.0, 55.0])
    assert any(t["name"] == "Warning threshold" for t in traces)
    assert any(t["name"] == "Lifetime value 80% band" for t in traces)


def test_reps_cannot_open_other_accounts(sqlite_database: Database) -> None:
    world = seed_customers(sqlite_database)
    bob = log_in(sqlite_database, "bob")
    assert bob.get(f"/customers/{world.accounts['risky']}").status_code == 404
    assert "Risky Inc" not in bob.get("/customers").text
    response = bob.post(f"/customers/alerts/{world.alerts['risky']}", data={"status": "resolved"})
    assert response.status_code == 404


def test_acknowledging_a_warning_from_the_page(sqlite_database: Database) -> None:
    world = seed_customers(sqlite_database)
    ann = log_in(sqlite_database, "ann")
    response = ann.post(f"/customers/alerts/{world.alerts['risky']}", data={"status": "acknowledged"},
                        follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("#alerts")
    html = ann.get(f"/customers/{world.accounts['risky']}").text
    assert "acknowledged" in html and "Warning acknowledged." in html
    assert 'id="alerts"' not in ann.get("/customers").text  # no open warning left in Ann's book
