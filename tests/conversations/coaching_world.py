"""A team for coaching tests: Bob (West) wins 8 of 10 deals and talks 40%; Ann (East) wins 2 of 10 and talks 75%."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from salesmind.api.app import create_app
from salesmind.conversations.service import add_transcript, analyse_in_session
from salesmind.conversations.transcripts import Segment
from salesmind.core.db import Database
from salesmind.core.timeutil import FixedClock
from salesmind.data.models import Opportunity, Outcome

sys.path.insert(0, str(Path(__file__).resolve().parent))
from call_world import STARTED, CallWorld, seed_calls

ANN_TALK = (0.70, 0.72, 0.75, 0.78, 0.80, 0.74)
BOB_TALK = (0.38, 0.40, 0.42, 0.39, 0.41, 0.43)


def talk_segments(rep: str, prospect: str, talk: float, turns: int = 6) -> list[Segment]:
    """A call of ``turns`` exchanges of 10 s in which ``rep`` speaks the share ``talk`` of the time."""
    segments, t = [], 0.0
    for _ in range(turns):
        segments.append(Segment(rep, t, t + 10 * talk, "We help teams forecast. How do you plan today?"))
        segments.append(Segment(prospect, t + 10 * talk, t + 10, "We use spreadsheets."))
        t += 10
    segments.append(Segment(rep, t, t + 2, "Next step: I will send the proposal by Friday."))
    return segments


def seed_coaching(database: Database) -> CallWorld:
    """The call world plus ten closed deals each and six analysed discovery calls each."""
    world = seed_calls(database)
    with database.transaction() as s:
        for owner, won in (("ann", 2), ("bob", 8)):
            s.add_all([Opportunity(name=f"{owner} closed {i}", owner_id=world.users[owner], stage="closed",
                                   outcome=Outcome.WON if i < won else Outcome.LOST) for i in range(10)])
        ids = []
        for deal, rep, prospect, talks in (("acme", "Ann Lee", "Carla Diaz", ANN_TALK),
                                           ("beta", "Bob Kim", "Carl Beta", BOB_TALK)):
            for i, talk in enumerate(talks):
                call = add_transcript(s, talk_segments(rep, prospect, talk), started_at=STARTED + timedelta(days=i),
                                      opportunity_id=world.deals[deal], title=f"{deal} call {i}")
                ids.append(call.id)
        analyse_in_session(s, ids)
    return world


def clients(database: Database, world: CallWorld) -> Callable[[str], TestClient]:
    """A test client of the app logged in (by API key) as ``admin``, ``boss``, ``ann`` or ``bob``."""
    app = create_app(database.settings, database=database, clock=FixedClock(datetime(2025, 6, 10, tzinfo=UTC)))
    return lambda who: TestClient(app, headers={"Authorization": f"Bearer {world.keys[who]}"})
