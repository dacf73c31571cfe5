"""REST coaching: the overview and one rep's report, scoped like other records."""

from __future__ import annotations

import sys
from pathlib import Path

from salesmind.core.db import Database

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coaching_world import clients, seed_coaching


def test_coaching_api(database: Database) -> None:
    world = seed_coaching(database)
    api = clients(database, world)
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
