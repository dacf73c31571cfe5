"""REST performance analytics: the team table (JSON and CSV), a rep's report, the impact estimate; scope and input."""

from __future__ import annotations


def test_team_table_scoped_and_csv(as_user, world) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("admin").get("/api/analytics/performance", params={"start": "2020-01-01", "end": "2030-01-01"})
    assert admin.status_code == 200, admin.text
    names = {r["name"] for r in admin.json()["reps"]}
    assert {"Ann", "Bob"} <= names
    assert [r["name"] for r in as_user("ann").get("/api/analytics/performance").json()["reps"]] == ["Ann"]
    boss = {r["name"] for r in as_user("boss").get("/api/analytics/performance").json()["reps"]}
    assert "Ann" in boss and "Bob" not in boss
    csv = as_user("admin").get("/api/analytics/performance", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert csv.text.splitlines()[0].startswith("user_id,name,")


def test_rep_report_and_errors(as_user, world) -> None:  # type: ignore[no-untyped-def]
    ann, bob = world.users["ann"], world.users["bob"]
    report = as_user("admin").get(f"/api/analytics/performance/{ann}")
    assert report.status_code == 200 and report.json()["rep"]["user_id"] == ann
    assert {g["metric"] for g in report.json()["gaps"]} >= {"win_rate", "cycle_days"}
    assert as_user("ann").get(f"/api/analytics/performance/{bob}").status_code == 404
    bad = as_user("admin").get("/api/analytics/performance", params={"start": "2025-02-01", "end": "2025-01-01"})
    assert bad.status_code in (400, 422) and "before" in bad.text
    assert as_user("admin").get("/api/analytics/performance", params={"format": "xml"}).status_code == 422


def test_impact_validates_and_answers(as_user, world) -> None:  # type: ignore[no-untyped-def]
    ann, bob = world.users["ann"], world.users["bob"]
    ok = as_user("admin").get("/api/analytics/impact", params={"change": "2025-01-01", "reps": [ann]})
    assert ok.status_code == 200, ok.text
    assert ok.json()["method"] in ("not enough data", "before/after only", "difference in differences")
    assert as_user("admin").get("/api/analytics/impact", params={"change": "2025-01-01"}).status_code == 422
    assert as_user("ann").get("/api/analytics/impact", params={"change": "2025-01-01", "reps": [bob]}).status_code \
        in (400, 422)
    assert as_user("admin").get("/api/analytics/impact",
                                params={"change": "2025-01-01", "reps": [ann], "metric": "mood"}).status_code == 422


def test_team_summary_and_its_csv(as_user, world) -> None:  # type: ignore[no-untyped-def]
    body = as_user("boss").get("/api/analytics/performance").json()
    assert [t["team"] for t in body["teams"]] == ["East"] and body["teams"][0]["reps"] == 1
    csv = as_user("admin").get("/api/analytics/performance", params={"format": "csv", "table": "teams"})
    assert csv.text.splitlines()[0].startswith("team_id,team,reps,")
