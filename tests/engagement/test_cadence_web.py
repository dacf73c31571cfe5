"""The cadence pages: list with performance, a sequence (build form, enrol, funnel chart), tasks, experiments."""

from __future__ import annotations

import json
import re
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
from salesmind.engagement.cadences import create_experiment, create_sequence, enrol, steps_of, tick

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from api_world import PASSWORD, World, build_world

NOW = datetime(2024, 6, 3, 12, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def world(sqlite_database: Database) -> World:
    built = build_world(sqlite_database)
    with sqlite_database.transaction() as s:
        s.execute(update(Lead).values(consent_email=True))
        seq = create_sequence(s, "Trial", [{"kind": "email", "template": "intro"},
                                           {"kind": "call", "instructions": "ring them"}])
        create_experiment(s, step_id=steps_of(s, seq.id)[0].id, arms=["Hi {first_name}", "Hello there"])
        enrol(s, sequence_id=seq.id, lead_id=built.records["leads"]["ann"], now=NOW)
        enrol(s, sequence_id=seq.id, lead_id=built.records["leads"]["bob"], now=NOW)
        create_sequence(s, "Draft", [{"kind": "call"}])
    tick(sqlite_database, NOW)
    tick(sqlite_database, NOW)  # the call step is due at once too
    with sqlite_database.transaction() as s:
        create_experiment(s, step_id=steps_of(s, seq.id)[0].id, kind="send_time", arms=["afternoon", "09:00-10:30"])
    return built


def client(database: Database, who: str) -> TestClient:
    web = TestClient(create_app(database.settings, database=database, clock=FixedClock(NOW)))
    assert web.post("/login", data={"email": f"{who}@x.io", "password": PASSWORD},
                    follow_redirects=False).status_code == 303
    return web


def test_rep_sees_performance_of_their_own_enrolments_and_their_tasks(sqlite_database: Database,
                                                                      world: World) -> None:
    ann = client(sqlite_database, "ann")
    listing = ann.get("/sequences")
    assert listing.status_code == 200 and 'href="/sequences"' in listing.text and 'href="/tasks"' in listing.text
    assert "Trial" in listing.text and "new-sequence" not in listing.text  # reps do not build
    page = ann.get("/sequences/1")
    assert page.status_code == 200 and "funnel-chart" in page.text and "steps-form" not in page.text
    assert f"lead {world.records['leads']['ann']}" in page.text and f"lead {world.records['leads']['bob']}" not in page.text
    figure = json.loads(re.search(r'id="funnel-chart-data">(.*?)</script>', page.text, re.DOTALL).group(1))
    assert figure["data"][0]["y"][:2] == [1, 1]  # Ann's own touches only
    tasks = ann.get("/tasks")
    assert tasks.status_code == 200 and "Call ann-lead: ring them" in tasks.text
    task_id = re.search(r'action="/tasks/(\d+)"', tasks.text).group(1)
    done = ann.post(f"/tasks/{task_id}", data={"action": "done"}, follow_redirects=True)
    assert "Task done." in done.text and "ring them" not in done.text
    assert ann.post("/tasks/99999", data={"action": "done"}).status_code == 404
    experiment = ann.get("/experiments/1")
    assert experiment.status_code == 200 and "posterior-chart" in experiment.text and "(control)" in experiment.text
    timed = ann.get("/experiments/2")
    assert "send-time windows" in timed.text and "14:00-17:00 recipient&#39;s local time" in timed.text
    assert ann.get("/experiments/5").status_code == 404


def test_admin_builds_reorders_and_enrols_from_the_pages(sqlite_database: Database, world: World) -> None:
    admin = client(sqlite_database, "admin")
    made = admin.post("/sequences", data={"name": "Built here"}, follow_redirects=True)
    assert made.status_code == 200 and "Sequence created" in made.text and "steps-form" in made.text
    seq_id = re.search(r'action="/sequences/(\d+)/steps"', made.text).group(1)
    form = {"order": ["2", "1"], "kind": ["email", "call"], "wait_days": ["0", "1"], "template": ["intro", ""],
            "manual": ["no", "no"], "instructions": ["", "warm-up call"]}
    saved = admin.post(f"/sequences/{seq_id}/steps", data=form, follow_redirects=True)
    assert "Saved 2 steps." in saved.text
    with sqlite_database.transaction() as s:
        assert [(x.kind, x.instructions) for x in steps_of(s, int(seq_id))] == [("call", "warm-up call"),
                                                                             ("email", None)]
    bad = admin.post(f"/sequences/{seq_id}/steps", data={**form, "kind": ["email", "fax"]}, follow_redirects=True)
    assert "kind must be one of" in bad.text
    enrolled = admin.post(f"/sequences/{seq_id}/enrol", data={"who": "L@ANN.example"}, follow_redirects=True)
    assert "Enrolled" in enrolled.text
    again = admin.post(f"/sequences/{seq_id}/enrol", data={"who": "L@ann.example"}, follow_redirects=True)
    assert "already enrolled" in again.text
    locked = admin.post("/sequences/1/steps", data=form, follow_redirects=True)
    assert "already made" in locked.text
    ann = client(sqlite_database, "ann")
    assert ann.post(f"/sequences/{seq_id}/steps", data=form).status_code == 404
