"""Sequences over REST: managers build, reps read and enrol within their scope, reports, tasks, experiments, tick."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from salesmind.api.app import create_app
from salesmind.core.db import Database
from salesmind.core.timeutil import FixedClock
from salesmind.data.models import Lead

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from api_world import World, build_world

NOW = datetime(2024, 6, 3, 12, 0, tzinfo=UTC)  # a Monday
STEPS = [{"kind": "email", "template": "intro"}, {"kind": "call", "wait_days": 1, "instructions": "ask"}]


@pytest.fixture
def world(sqlite_database: Database) -> World:
    built = build_world(sqlite_database)
    with sqlite_database.transaction() as s:
        s.execute(update(Lead).values(consent_email=True))
    return built


@pytest.fixture
def web(sqlite_database: Database, world: World) -> TestClient:
    return TestClient(create_app(sqlite_database.settings, database=sqlite_database, clock=FixedClock(NOW)))


def as_(web: TestClient, world: World, who: str) -> TestClient:
    return TestClient(web.app, headers={"Authorization": f"Bearer {world.keys[who]}"})


def test_managers_build_reps_read_and_enrol_their_own(web: TestClient, world: World) -> None:
    boss, ann, admin = as_(web, world, "boss"), as_(web, world, "ann"), as_(web, world, "admin")
    denied = ann.post("/api/sequences", json={"name": "Rep's", "steps": STEPS})
    assert denied.status_code == 403
    made = boss.post("/api/sequences", json={"name": "Trial", "steps": STEPS,
                                             "settings": {"timezone": "Europe/Berlin", "daily_limit": 50}})
    assert made.status_code == 201, made.text
    seq = made.json()
    assert [s["kind"] for s in seq["steps"]] == ["email", "call"] and seq["settings"]["daily_limit"] == 50
    assert ann.get(f"/api/sequences/{seq['id']}").json()["name"] == "Trial"
    mine = ann.post(f"/api/sequences/{seq['id']}/enrol", json={"email": "l@ann.example"})
    assert mine.status_code == 201, mine.text and mine.json()["status"] == "active"
    theirs = ann.post(f"/api/sequences/{seq['id']}/enrol", json={"lead_id": world.records["leads"]["bob"]})
    assert theirs.status_code == 404
    twice = ann.post(f"/api/sequences/{seq['id']}/enrol", json={"lead_id": world.records["leads"]["ann"]})
    assert twice.status_code == 422 and "already enrolled" in twice.json()["message"]
    assert ann.post("/api/sequences/tick").status_code == 403
    ticked = admin.post("/api/sequences/tick")
    assert ticked.status_code == 200 and ticked.json()["emails"] == 1, ticked.text
    report = ann.get(f"/api/sequences/{seq['id']}/report").json()
    assert report["enrolled"] == 1 and report["steps"][0]["touches"] == 1
    assert as_(web, world, "bob").get(f"/api/sequences/{seq['id']}/report").json()["enrolled"] == 0
    listed = ann.get("/api/sequences").json()
    assert [s["name"] for s in listed] == ["Trial"]
    changed = boss.patch(f"/api/sequences/{seq['id']}", json={"steps": STEPS[:1]})
    assert changed.status_code == 422 and "already made" in changed.json()["message"]
    assert boss.patch(f"/api/sequences/{seq['id']}", json={"is_active": False}).json()["is_active"] is False
    assert boss.delete(f"/api/sequences/{seq['id']}").status_code == 422


def test_tasks_and_experiments(web: TestClient, world: World) -> None:
    boss, ann, bob = as_(web, world, "boss"), as_(web, world, "ann"), as_(web, world, "bob")
    seq = boss.post("/api/sequences", json={"name": "Calls", "steps": [{"kind": "call", "instructions": "hi"}]}).json()
    ann.post(f"/api/sequences/{seq['id']}/enrol", json={"lead_id": world.records["leads"]["ann"]})
    as_(web, world, "admin").post("/api/sequences/tick")
    [task] = ann.get("/api/tasks").json()
    assert task["kind"] == "call" and "hi" in task["title"]
    assert boss.get("/api/tasks", params={"user_id": world.users["ann"]}).json()[0]["id"] == task["id"]
    assert bob.get("/api/tasks", params={"user_id": world.users["ann"]}).status_code == 404
    assert bob.post(f"/api/tasks/{task['id']}/done").status_code == 404
    done = ann.post(f"/api/tasks/{task['id']}/done", json={"skip": True})
    assert done.status_code == 200 and done.json()["status"] == "skipped"
    assert ann.get("/api/tasks").json() == []

    email_seq = boss.post("/api/sequences", json={"name": "Mail", "steps": STEPS}).json()
    step_id = email_seq["steps"][0]["id"]
    exp = boss.post("/api/experiments", json={"step_id": step_id, "arms": ["Hi {first_name}", "Hello"],
                                              "segment_by": "industry"})
    assert exp.status_code == 201, exp.text
    assert ann.post("/api/experiments", json={"step_id": step_id, "arms": ["a", "b"]}).status_code == 403
    assert [e["id"] for e in ann.get("/api/experiments").json()] == [exp.json()["id"]]
    report = ann.get(f"/api/experiments/{exp.json()['id']}").json()
    assert [a["arm"] for a in report["arms"]] == ["Hi {first_name}", "Hello"]
    assert report["arms"][0]["is_control"] and report["arms"][1]["lift_low"] < 0 < report["arms"][1]["lift_high"]
    assert ann.get("/api/experiments/999").status_code == 404
    timed = boss.post("/api/experiments", json={"step_id": step_id, "kind": "send_time", "arms": ["evening", "9:00"]})
    assert timed.status_code == 422 and "HH:MM-HH:MM" in timed.text
    timed = boss.post("/api/experiments", json={"step_id": step_id, "kind": "send_time", "arms": ["evening", "Midday"]})
    assert timed.status_code == 201 and timed.json()["arms"] == ["evening", "midday"]
    report = ann.get(f"/api/experiments/{timed.json()['id']}").json()
    assert report["kind"] == "send_time" and report["arms"][0]["detail"] == "17:00-20:00 recipient's local time"
    assert ann.post(f"/api/experiments/{timed.json()['id']}/stop").status_code == 403
    stopped = boss.post(f"/api/experiments/{timed.json()['id']}/stop")
    assert stopped.status_code == 200 and stopped.json()["status"] == "stopped"
    assert boss.post(f"/api/experiments/{timed.json()['id']}/stop").status_code == 422
    assert boss.post("/api/experiments/999/stop").status_code == 404
    unknown = boss.post("/api/experiments", json={"step_id": step_id, "kind": "template", "arms": ["intro", "nope"]})
    assert unknown.status_code == 422 and "unknown template 'nope'" in unknown.text


@pytest.mark.parametrize("payload", [
    {"name": "X", "steps": []},
    {"name": "X", "steps": [{"kind": "fax"}]},
    {"name": "X", "steps": [{"kind": "email"}]},
    {"name": "X", "steps": [{"kind": "email", "template": "no_such_template"}]},
    {"name": "X", "steps": [{"kind": "call"}], "settings": {"timezone": "Mars/Base"}},
    {"name": "X", "steps": [{"kind": "call"}], "settings": {"send_window": {"start": "25:00"}}},
    {"name": "X", "steps": [{"kind": "call"}], "settings": {"colour": "red"}},
])
def test_bad_sequences_are_422(web: TestClient, world: World, payload: dict) -> None:
    res = as_(web, world, "boss").post("/api/sequences", json=payload)
    assert res.status_code == 422, res.text
