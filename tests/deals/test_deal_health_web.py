"""Deal-health pages: the panel on the deal page, the risk list (scoped, filtered), the alerts page."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from fastapi.testclient import TestClient

from salesmind.api.app import create_app
from salesmind.core.db import Database
from salesmind.core.timeutil import FixedClock
from salesmind.deals import refresh_deal_health

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deal_health_world import AS_OF, seed_deals  # noqa: E402


def test_deal_health_pages(sqlite_database: Database) -> None:
    world = seed_deals(sqlite_database)
    app = create_app(sqlite_database.settings, database=sqlite_database,
                     clock=FixedClock(datetime(2025, 6, 1, tzinfo=timezone.utc)))

    def client(who: str) -> TestClient:
        return TestClient(app, headers={"Authorization": f"Bearer {world.keys[who]}"})

    sick = world.deals["sick"]
    before = client("ann").get(f"/opportunities/{sick}").text
    assert 'id="deal-health"' in before and "No health yet" in before
    refresh_deal_health(sqlite_database, AS_OF)
    page = client("ann").get(f"/opportunities/{sick}").text
    assert "close date pushed 3 times" in page and "grade-critical" in page and 'id="deal-health-chart"' in page
    assert "Prospect sentiment (email)" in page and "/static/charts.js" in page
    risks = client("boss").get("/deals/risks").text
    assert 'href="/deals/risks"' in risks and "Acme platform" in risks and "Beta pilot" not in risks
    assert "Acme platform" not in client("bob").get("/deals/risks").text
    filtered = client("admin").get("/deals/risks?grade=healthy").text
    assert "Beta pilot" in filtered and "Acme platform" not in filtered
    assert "unknown flag" in client("admin").get("/deals/risks?flag=gloomy").text
    alerts = client("ann").get("/notifications").text
    assert "6 unread of 6" in alerts and "Acme platform: close date pushed 3 times" in alerts
    first = alerts.split('action="/notifications/')[1].split("/read")[0]
    assert client("bob").post(f"/notifications/{first}/read", follow_redirects=False).status_code == 303
    assert "6 unread of 6" in client("ann").get("/notifications").text  # Bob cannot mark Ann's alert
    client("ann").post(f"/notifications/{first}/read")
    assert "5 unread of 6" in client("ann").get("/notifications").text
    assert "No alerts." in client("bob").get("/notifications").text
