"""REST calls: import (text or segments), list and detail, scoped to the call's rep and the deal's owner."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from salesmind.api.app import create_app
from salesmind.core.db import Database
from salesmind.core.timeutil import FixedClock

sys.path.insert(0, str(Path(__file__).resolve().parent))
from call_world import VTT, CallWorld, seed_calls  # noqa: E402


@pytest.fixture
def world(database: Database) -> CallWorld:
    return seed_calls(database)


@pytest.fixture
def api(database: Database, world: CallWorld):  # type: ignore[no-untyped-def]
    app = create_app(database.settings, database=database, clock=FixedClock(datetime(2025, 6, 3, tzinfo=timezone.utc)))
    return lambda who: TestClient(app, headers={"Authorization": f"Bearer {world.keys[who]}"})


def test_import_list_and_detail(api, world: CallWorld) -> None:  # type: ignore[no-untyped-def]
    body = {"started_at": "2025-06-02T15:00:00Z", "opportunity_id": world.deals["acme"], "format": "vtt",
            "content": VTT, "title": "Discovery"}
    made = api("ann").post("/api/calls/import", json=body)
    assert made.status_code == 201, made.text
    call = made.json()
    assert call["analysis"]["metrics"]["talk_ratio"] == pytest.approx(25 / 35)
    assert {p["speaker_label"]: p["role"] for p in call["participants"]}["Carla Diaz"] == "prospect"
    assert len(call["utterances"]) == 5 and call["talk_ratio"] == pytest.approx(25 / 35)
    assert api("boss").get("/api/calls").json()["total"] == 1
    assert api("bob").get("/api/calls").json()["total"] == 0
    assert api("bob").get(f"/api/calls/{call['id']}").status_code == 404
    assert api("admin").get(f"/api/calls/{call['id']}").json()["analysis"]["topics"]["next_steps"][0]["owner"] == "Ann Lee"


def test_import_segments_and_errors(api, world: CallWorld) -> None:  # type: ignore[no-untyped-def]
    segments = [{"speaker": "Bob Kim", "start": 0, "end": 4, "text": "Any questions?"},
                {"speaker": "Carl Beta", "start": 5, "end": 7, "text": "No."}]
    made = api("bob").post("/api/calls/import", json={"started_at": "2025-06-02T15:00:00Z", "segments": segments,
                                                      "opportunity_id": world.deals["beta"]})
    assert made.status_code == 201 and made.json()["analysis"]["metrics"]["rep_questions"] == 1
    # Bob cannot attach a call to Ann's deal; broken text is a 422 naming the line
    assert api("bob").post("/api/calls/import", json={"started_at": "2025-06-02T15:00:00Z", "segments": segments,
                                                      "opportunity_id": world.deals["acme"]}).status_code == 404
    bad = api("ann").post("/api/calls/import", json={"started_at": "2025-06-02T15:00:00Z", "format": "srt",
                                                     "content": "1\n00:00:01,000 -> 00:00:02,000\nA: hi\n"})
    assert bad.status_code == 422 and "upload.srt:1" in bad.json()["message"]
    both = api("ann").post("/api/calls/import", json={"started_at": "2025-06-02T15:00:00Z", "format": "srt",
                                                      "content": "x", "segments": segments})
    assert both.status_code == 422
    assert api("ann").get("/api/calls").json()["total"] == 0
