"""Inbound mail on hand-made .eml files: threading, DSN and mailer-daemon bounces, unsubscribe replies."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from salesmind.api.app import create_app
from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.core.timeutil import FixedClock
from salesmind.data.models import Direction, EmailMessage, Lead, ReplyClassification, Role
from salesmind.data.users import create_api_key, create_user
from salesmind.engagement.mail.inbound import failed_recipients, is_unsubscribe_request, parse, process_inbound
from salesmind.engagement.mail.loopback import LoopbackSMTP
from salesmind.engagement.mail.outbox import deliver, enqueue
from salesmind.engagement.mail.suppression import is_suppressed

from mail_world import FAST_RETRY, FIXTURES, NOW, People, mail_db, people, rng, smtp, transport  # noqa: F401


def sent_message_id(db: Database, people: People) -> str:
    """Send one message to Lea through the loopback server and return its Message-ID."""
    with db.transaction() as s:
        row = enqueue(s, idempotency_key="first-touch", to="lea@buyer.example", subject="Your trial",
                      text="Hello Lea,\nthanks.", lead_id=people.lead, send_after=NOW, settings=db.settings)
    assert deliver(db, transport(db.settings), now=NOW, policy=FAST_RETRY, rng=rng()).sent == 1
    return row.message_id


def eml(name: str, message_id: str = "") -> bytes:
    return (FIXTURES / name).read_text().replace("{message_id}", message_id).encode()


def test_a_reply_is_threaded_onto_our_message_by_in_reply_to(
        mail_db: Database, smtp: LoopbackSMTP, people: People) -> None:
    ours = sent_message_id(mail_db, people)
    result = process_inbound(mail_db, eml("reply.eml", ours), classify=False, now=NOW)
    assert result.kind == "reply" and result.lead_id == people.lead and result.outbox_message_id is not None
    with mail_db.transaction() as s:
        reply = s.get(EmailMessage, result.email_message_id)
        outbound = s.scalars(select(EmailMessage).where(EmailMessage.external_id == ours)).one()
        assert reply.direction == Direction.INBOUND and reply.thread_id == outbound.thread_id
        assert reply.from_address == "lea@buyer.example" and reply.in_reply_to == ours
        assert "Thursday at 3pm" in reply.body_text
    again = process_inbound(mail_db, eml("reply.eml", ours), classify=False, now=NOW)
    assert again.kind == "duplicate" and again.email_message_id == result.email_message_id


def test_a_reply_without_references_is_matched_by_the_senders_address(mail_db: Database, people: People) -> None:
    result = process_inbound(mail_db, eml("cold_reply.eml"), classify=False, now=NOW)
    assert result.kind == "reply" and result.contact_id == people.contact and result.lead_id is None
    stranger = eml("cold_reply.eml").replace(b"cor@buyer.example", b"who@nowhere.example")
    stranger = stranger.replace(b"<cold-1@", b"<cold-2@")
    assert process_inbound(mail_db, stranger, classify=False, now=NOW).kind == "unmatched"


def test_a_dsn_bounce_suppresses_only_the_failed_recipient(
        mail_db: Database, smtp: LoopbackSMTP, people: People) -> None:
    ours = sent_message_id(mail_db, people)
    recipients, originals = failed_recipients(parse(eml("dsn_bounce.eml", ours)))
    assert recipients == ["lea@buyer.example"] and originals == [ours]  # cor@ is only "delayed"
    result = process_inbound(mail_db, eml("dsn_bounce.eml", ours), classify=False, now=NOW)
    assert result.kind == "bounce" and result.suppressed == 1 and result.outbox_message_id is not None
    with mail_db.transaction() as s:
        assert is_suppressed(s, "lea@buyer.example") and not is_suppressed(s, "cor@buyer.example")
        assert s.scalar(select(func.count()).select_from(EmailMessage)
                        .where(EmailMessage.direction == Direction.INBOUND)) == 0


def test_a_mailer_daemon_bounce_is_recognised(mail_db: Database, smtp: LoopbackSMTP, people: People) -> None:
    ours = sent_message_id(mail_db, people)
    result = process_inbound(mail_db, eml("mailer_daemon_bounce.eml", ours), classify=False, now=NOW)
    assert result.kind == "bounce" and result.bounced_message_ids == [ours] and result.suppressed == 1
    with mail_db.transaction() as s:
        assert is_suppressed(s, "lea@buyer.example")


def test_a_bounce_for_an_address_we_never_mailed_suppresses_nothing(mail_db: Database, people: People) -> None:
    result = process_inbound(mail_db, eml("mailer_daemon_bounce.eml", "<unknown@x.example>"), classify=False, now=NOW)
    assert result.kind == "bounce" and result.suppressed == 0


def test_an_unsubscribe_reply_suppresses_the_sender_and_marks_the_lead(
        mail_db: Database, smtp: LoopbackSMTP, people: People) -> None:
    ours = sent_message_id(mail_db, people)
    result = process_inbound(mail_db, eml("unsubscribe_reply.eml", ours), classify=False, now=NOW)
    assert result.unsubscribe and result.suppressed == 1
    with mail_db.transaction() as s:
        assert is_suppressed(s, "lea@buyer.example") and s.get(Lead, people.lead).do_not_contact


@pytest.mark.parametrize("subject, body, expected", [
    ("Unsubscribe", "", True), ("RE: unsubscribe me", "", True), ("Re: Your trial", "Please unsubscribe me.", True),
    ("Re: Your trial", "remove me from your list", True),
    ("Re: Your trial", "Please don't unsubscribe me, I like these.", False),
    ("Re: Your trial", "Sounds good.\n\nOn Mon Sam wrote:\n> To unsubscribe click here", False),
])
def test_unsubscribe_requests_are_told_from_replies_that_mention_the_word(subject: str, body: str,
                                                                          expected: bool) -> None:
    assert is_unsubscribe_request(subject, body) is expected


@pytest.mark.parametrize("raw", [b"", b"   ", b"just some text without headers"])
def test_input_that_is_not_an_email_is_refused(raw: bytes) -> None:
    with pytest.raises(UserInputError):
        parse(raw)


def test_the_inbound_webhook_needs_an_admin_key_and_takes_raw_or_json(mail_db: Database, people: People) -> None:
    with mail_db.transaction() as s:
        admin = create_user(s, "ops@seller.example", "Ops", Role.ADMIN)
        rep = create_user(s, "rep@seller.example", "Rep", Role.REP)
        admin_key, rep_key = create_api_key(s, admin, "webhook")[1], create_api_key(s, rep, "x")[1]
    app = create_app(mail_db.settings, database=mail_db, clock=FixedClock(NOW))
    with TestClient(app) as client:
        raw = eml("cold_reply.eml")
        url = "/api/mail/inbound?classify=false"
        assert client.post(url, content=raw, headers={"Content-Type": "message/rfc822"}).status_code == 401
        assert client.post(url, content=raw, headers={"Content-Type": "message/rfc822",
                                                      "X-API-Key": rep_key}).status_code == 403
        first = client.post(url, content=raw, headers={"Content-Type": "message/rfc822", "X-API-Key": admin_key})
        assert first.status_code == 200 and first.json()["kind"] == "reply"
        assert first.json()["contact_id"] == people.contact
        again = client.post(url, json={"raw": raw.decode()}, headers={"X-API-Key": admin_key})
        assert again.status_code == 200 and again.json()["kind"] == "duplicate"
        bad = client.post(url, json={"text": "x"}, headers={"X-API-Key": admin_key})
        assert bad.status_code == 422 and "message/rfc822" in bad.json()["message"]


@pytest.mark.slow  # trains the reply-intent model (about 10 s)
def test_a_reply_is_classified_and_an_unsubscribe_intent_suppresses(mail_db: Database, people: People) -> None:
    meeting = process_inbound(mail_db, eml("reply.eml", "<none@x>"), now=NOW)
    assert meeting.intent == "positive_meeting" and not meeting.unsubscribe
    polite = eml("cold_reply.eml").replace(b"<cold-1@", b"<cold-3@").replace(
        b"Hi, could you send me your pricing sheet?", b"Please take me off your mailing list, thanks.")
    stop = process_inbound(mail_db, polite, now=NOW)
    assert stop.intent == "unsubscribe" and stop.unsubscribe
    with mail_db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(ReplyClassification)) == 2
