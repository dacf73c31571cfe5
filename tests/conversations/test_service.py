"""Importing transcripts (all or nothing, roles from the CRM, redaction) and analysing stored calls."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from salesmind.conversations import analyse_calls, import_transcript, rep_metrics
from salesmind.conversations.call_views import call_detail, call_list
from salesmind.core.db import Database
from salesmind.core.errors import NotFound, UserInputError
from salesmind.data.models import Call, CallAnalysis, SpeakerRole, User, Utterance
from salesmind.data.scope import Scope

sys.path.insert(0, str(Path(__file__).resolve().parent))
from call_world import STARTED, VTT, seed_calls, write_vtt  # noqa: E402


def _scope(session, name: str) -> Scope:  # type: ignore[no-untyped-def]
    return Scope.for_user(session, session.get(User, name))


def test_import_resolves_roles_and_analysis_matches_the_hand_count(database: Database, tmp_path: Path) -> None:
    world = seed_calls(database)
    call = import_transcript(database, write_vtt(tmp_path), started_at=STARTED, opportunity_id=world.deals["acme"])
    assert analyse_calls(database) == 1
    with database.transaction() as s:
        stored = s.get(Call, call.id)
        roles = {p.speaker_label: (p.role, p.user_id, p.contact_id is not None, p.lead_id is not None)
                 for p in stored.participants}
        assert roles == {"Ann Lee": (SpeakerRole.REP, world.users["ann"], False, False),
                         "Carla Diaz": (SpeakerRole.PROSPECT, None, True, False),
                         "dan@acme.com": (SpeakerRole.PROSPECT, None, False, True)}
        assert stored.user_id == world.users["ann"] and stored.duration_seconds == 40
        assert "ann.lee@c.io" in stored.utterances[0].text  # redaction is off by default
        analysis = s.scalar(select(CallAnalysis))
        assert analysis.metrics["talk_ratio"] == pytest.approx(25 / 35)
        assert analysis.metrics["patience_seconds"] == pytest.approx(1.0)
        assert analysis.topics["competitor_mentions"][0]["name"] == "Veloxa"  # from Bob's deal in the CRM
        assert analysis.topics["next_steps"][0]["due"] == "2025-06-06"
        assert set(analysis.sentiment["speakers"]) == {"Ann Lee", "Carla Diaz", "dan@acme.com"}
        reps = rep_metrics(s, Scope.everything())
        assert [(r.name, r.calls, r.rep_questions) for r in reps] == [("Ann Lee", 1, 3)]


def test_unknown_speakers_are_other_without_a_deal(database: Database, tmp_path: Path) -> None:
    seed_calls(database)
    call = import_transcript(database, write_vtt(tmp_path), started_at=STARTED)
    with database.transaction() as s:
        roles = {p.speaker_label: p.role for p in s.get(Call, call.id).participants}
    assert roles == {"Ann Lee": SpeakerRole.REP, "Carla Diaz": SpeakerRole.OTHER, "dan@acme.com": SpeakerRole.OTHER}


def test_import_is_all_or_nothing(database: Database, tmp_path: Path) -> None:
    seed_calls(database)
    broken = VTT + "\n00:00:50.000 --> 00:00:4x.000\n<v Ann Lee>Bye.\n"
    with pytest.raises(UserInputError, match="call.vtt:18"):
        import_transcript(database, write_vtt(tmp_path, broken), started_at=STARTED)
    with pytest.raises(UserInputError, match="opportunity 999"):
        import_transcript(database, write_vtt(tmp_path), started_at=STARTED, opportunity_id=999)
    with database.transaction() as s:
        assert s.scalar(select(func.count(Call.id))) == 0 and s.scalar(select(func.count(Utterance.id))) == 0


def test_redaction_by_setting(database: Database, tmp_path: Path) -> None:
    seed_calls(database)
    database.settings = database.settings.with_overrides(redact_transcripts=True)
    call = import_transcript(database, write_vtt(tmp_path), started_at=STARTED)
    with database.transaction() as s:
        texts = [u.text for u in s.get(Call, call.id).utterances]
        labels = {p.speaker_label for p in s.get(Call, call.id).participants}
    assert texts[0].endswith("Mail me at [EMAIL].") and texts[-1] == "Sounds good, call me on [PHONE]."
    assert labels == {"Ann Lee", "Carla Diaz", "[EMAIL]"}


def test_views_are_scoped_to_the_rep_and_deal_owner(database: Database, tmp_path: Path) -> None:
    world = seed_calls(database)
    call = import_transcript(database, write_vtt(tmp_path), started_at=STARTED, opportunity_id=world.deals["acme"])
    with database.transaction() as s:
        for who, sees in (("ann", 1), ("boss", 1), ("admin", 1), ("bob", 0)):
            assert call_list(s, _scope(s, world.users[who]))[1] == sees, who
        assert call_detail(s, _scope(s, world.users["boss"]), call.id).analysis is None
        with pytest.raises(NotFound):
            call_detail(s, _scope(s, world.users["bob"]), call.id)
