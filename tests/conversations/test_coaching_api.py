"""REST coaching: the overview and one rep's report, scoped like other records."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from fastapi.testclient import TestClient

from salesmind.api.app import create_app
from salesmind.core.db import Database
from salesmind.core.timeutil import FixedClock

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coaching_world import seed_coaching  # noqa: E402


def test_coaching_api(database: Database) -> None:
    world = seed_coaching(database)
    app = create_app(database.settings, database=database, clock=FixedClock(datetime(2025, 6, 10, tzinfo=timezone.utc)))

    def api(who: str) -> TestClient:
        return TestClient(app, headers={"Authorization": f"Bearer {world.keys[who]}"})

    team = api("admin").get("/api/coaching").json()
    assert team["top_count"] == 1 and [r["name"] for r in team["reps"]] == ["Bob Kim", "Ann Lee"]
    assert team["reps"][0]["is_top"] and team["reps"][0]["win"]["rate"] == 0.8
    assert [r["name"] for r in api("ann").get("/api/coaching").json()["reps"]] == ["Ann Lee"]
    report = api("boss").get(f"/api/coaching/{world.users['ann']}")
    assert report.status_code == 200, report.text
    talk = next(i for i in report.json()["work_on"] if i["metric"] == "talk_ratio")
    assert talk["moments"] and talk["moments"][0]["quote"].startswith("We help teams")
    metric = next(m for m in report.json()["metrics"] if m["metric"] == "talk_ratio")
    assert metric["verdict"] == "work_on" and metric["p_value"] < 0.05 and metric["n"] == 6
    assert api("ann").get(f"/api/coaching/{world.users['bob']}").status_code == 404
    assert api("admin").get(f"/api/coaching/{world.users['boss']}").status_code == 404
    assert api("admin").get("/api/coaching/0").status_code == 422
