"""The call pages: list and call page with timeline, metrics against references, topics, next steps, sentiment."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from fastapi.testclient import TestClient

from salesmind.api.app import create_app
from salesmind.conversations import analyse_calls, import_transcript
from salesmind.core.db import Database
from salesmind.core.timeutil import FixedClock

sys.path.insert(0, str(Path(__file__).resolve().parent))
from call_world import STARTED, seed_calls, write_vtt  # noqa: E402


def test_call_pages(database: Database, tmp_path: Path) -> None:
    world = seed_calls(database)
    call = import_transcript(database, write_vtt(tmp_path), started_at=STARTED, opportunity_id=world.deals["acme"],
                             title="Acme discovery")
    app = create_app(database.settings, database=database, clock=FixedClock(datetime(2025, 6, 3, tzinfo=timezone.utc)))

    def client(who: str) -> TestClient:
        return TestClient(app, headers={"Authorization": f"Bearer {world.keys[who]}"})

    before = client("ann").get(f"/calls/{call.id}")
    assert before.status_code == 200 and "not analysed yet" in before.text
    analyse_calls(database)
    listing = client("ann").get("/calls")
    assert listing.status_code == 200 and "Acme discovery" in listing.text and 'href="/calls"' in listing.text
    assert "71 %" in listing.text  # 25 of 35 seconds, above the 65% line
    page = client("ann").get(f"/calls/{call.id}").text
    assert 'id="call-timeline"' in page and "too much talking" in page and "11–14 per discovery call" in page
    assert "Veloxa (Carla Diaz, 12 s)" in page and "due 2025-06-06" in page and "Objections: competitor, price" in page
    # The transcript: every utterance with its time, an anchor per start second for coaching moments.
    assert 'id="transcript"' in page and 'id="t-0"' in page and 'href="#t=0"' in page and "/static/transcript.js" in page
    assert client("ann").get("/static/transcript.js").status_code == 200
    assert client("bob").get(f"/calls/{call.id}").status_code == 404
    assert "Acme discovery" not in client("bob").get("/calls").text
