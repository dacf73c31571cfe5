"""The reply job: classify and store inbound replies, the scoped inbox, corrections, retraining, erasure."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from salesmind.conversations import reply_service
from salesmind.conversations.replies import load_labelled, load_model
from salesmind.core.db import Database
from salesmind.core.errors import NotFound, UserInputError
from salesmind.data.models import Direction, EmailMessage, ReplyClassification, User
from salesmind.data.privacy import erase_person
from salesmind.data.scope import Scope

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reply_world import NOW, ReplyWorld, classified_world  # noqa: E402


@pytest.fixture
def world(database: Database) -> ReplyWorld:
    return classified_world(database)


def _rows(database: Database) -> dict[int, ReplyClassification]:
    with database.transaction() as s:
        rows = list(s.scalars(select(ReplyClassification)))
        s.expunge_all()
    return {r.email_message_id: r for r in rows}


def test_inbound_replies_are_classified_with_extractions_and_next_actions(database: Database,
                                                                          world: ReplyWorld) -> None:
    rows = _rows(database)
    m = world.messages
    assert set(rows) == {m["meeting"], m["ooo"], m["referral"], m["unsubscribe"]}  # never the outbound one
    assert (rows[m["meeting"]].intent, rows[m["meeting"]].next_action) == ("positive_meeting", "send_calendar_link")
    assert rows[m["ooo"]].intent == "out_of_office"
    assert rows[m["ooo"]].extracted == {"return_date": "2025-03-14"}
    assert rows[m["unsubscribe"]].next_action == "stop_and_suppress"
    assert all(0 < r.confidence <= 1 and r.model_version == "reply-intent-test" for r in rows.values())
    assert reply_service.classify_replies(database).classified == 0  # only new replies by default


def test_inbox_is_scoped_to_the_owner_of_the_lead_or_contact(database: Database, world: ReplyWorld) -> None:
    with database.transaction() as s:
        ann = Scope.for_user(s, s.get(User, world.users["ann"]))
        bob = Scope.for_user(s, s.get(User, world.users["bob"]))
        _, ann_total = reply_service.inbox(s, ann)
        bob_items, _ = reply_service.inbox(s, bob)
        _, everyone = reply_service.inbox(s, Scope.everything())
        only_ooo, n_ooo = reply_service.inbox(s, Scope.everything(), intent="out_of_office")
        with pytest.raises(UserInputError):
            reply_service.inbox(s, ann, intent="maybe")
    assert ann_total == 3 and everyone == 4
    assert [i.email_message_id for i in bob_items] == [world.messages["unsubscribe"]]
    assert n_ooo == 1 and only_ooo[0].extracted["return_date"] == "2025-03-14"


def test_a_correction_keeps_the_model_answer_and_moves_the_next_action(database: Database,
                                                                       world: ReplyWorld) -> None:
    row_id = _rows(database)[world.messages["referral"]].id
    with database.transaction() as s:
        bob = s.get(User, world.users["bob"])
        with pytest.raises(NotFound):  # Bob cannot see Ann's lead's reply
            reply_service.correct(s, Scope.for_user(s, bob), row_id, "referral", bob)
        ann = s.get(User, world.users["ann"])
        item = reply_service.correct(s, Scope.for_user(s, ann), row_id, "referral", ann)
        with pytest.raises(UserInputError, match="unknown intent"):
            reply_service.correct(s, Scope.for_user(s, ann), row_id, "maybe", ann)
    assert (item.intent, item.next_action, item.corrected) == ("referral", "create_referred_contact", True)
    assert item.extracted["referral"] == {"name": "Priya Natarajan", "email": "pnatarajan@acme.example"}
    row = _rows(database)[world.messages["referral"]]
    assert row.corrected_intent == "referral" and row.corrected_by_id == world.users["ann"] and row.corrected_at
    reply_service.classify_replies(database, [world.messages["referral"]])  # reclassifying keeps the correction
    assert _rows(database)[world.messages["referral"]].corrected_intent == "referral"


def test_retraining_learns_a_planted_correction(database: Database, world: ReplyWorld) -> None:
    planted = "Zorblat frimble quaxon, per the usual arrangement."
    models_dir = database.settings.models_dir
    base = [(r.text, r.intent) for r in load_labelled("train")][::3]  # a third of the set keeps the test fast
    before = reply_service.classify_text(planted, NOW, models_dir=models_dir)["intent"]
    target = "objection_price" if before != "objection_price" else "objection_timing"
    with database.transaction() as s:
        message = s.get(EmailMessage, world.messages["meeting"])
        message.body_text = planted
        assert message.direction == Direction.INBOUND
    reply_service.classify_replies(database, [world.messages["meeting"]])
    row_id = _rows(database)[world.messages["meeting"]].id
    with database.transaction() as s:
        reply_service.correct(s, Scope.everything(), row_id, target, None)
    summary = reply_service.retrain_from_corrections(database, base=base)
    assert summary.corrections == 1 and summary.trained_on == len(base) + reply_service.CORRECTION_WEIGHT
    assert summary.previous_macro_f1 is not None and 0 < summary.held_out_macro_f1 <= 1
    after = load_model(models_dir)
    assert after.version_.startswith("reply-intent-1+1-corrections")
    assert after.predict([planted])[0] == target != before


def test_erasing_a_person_removes_their_reply_classifications(database: Database, world: ReplyWorld) -> None:
    with database.transaction() as s:
        report = erase_person(s, "liam@acme.example")
    assert report.deleted.get("reply_classifications") == 3
    assert set(_rows(database)) == {world.messages["unsubscribe"]}


def test_erasing_a_referred_person_scrubs_the_extracted_referral(database: Database, world: ReplyWorld) -> None:
    row_id = _rows(database)[world.messages["referral"]].id
    with database.transaction() as s:
        reply_service.correct(s, Scope.everything(), row_id, "referral", None)
    with database.transaction() as s:
        erase_person(s, "pnatarajan@acme.example")
    extracted = _rows(database)[world.messages["referral"]].extracted
    assert "pnatarajan@acme.example" not in str(extracted) and "Natarajan" not in str(extracted)
