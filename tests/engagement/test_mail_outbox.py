"""The outbox against a real SMTP server on loopback: what arrives, once, and only to whom it may."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.data.models import Direction, EmailMessage, Lead
from salesmind.data.models.outreach import OutboxMessage
from salesmind.engagement.mail.loopback import LoopbackSMTP
from salesmind.engagement.mail.outbox import RetryPolicy, deliver, enqueue
from salesmind.engagement.mail.suppression import is_suppressed, suppress

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH:UserWarning")  # the loopback login test

from mail_world import FAST_RETRY, NOW, People, mail_db, people, rng, smtp, transport  # noqa: F401


def queue(db: Database, key: str, **kw) -> OutboxMessage:  # type: ignore[no-untyped-def]
    kw.setdefault("to", "lea@buyer.example")
    with db.transaction() as s:
        return enqueue(s, idempotency_key=key, subject=kw.pop("subject", "Your trial"), text="Hello Lea,\nthanks.",
                       send_after=NOW, settings=db.settings, **kw)


def row(db: Database, row_id: int) -> OutboxMessage:
    with db.transaction() as s:
        found = s.get(OutboxMessage, row_id)
        assert found is not None
        return found


def run(db: Database, at=NOW, **kw):  # type: ignore[no-untyped-def]
    return deliver(db, transport(db.settings), now=at, policy=kw.pop("policy", FAST_RETRY), rng=rng(), **kw)


def test_the_message_arrives_with_its_headers_and_is_stored_on_the_leads_thread(
        mail_db: Database, smtp: LoopbackSMTP, people: People) -> None:
    queued = queue(mail_db, "step-1", lead_id=people.lead, html="<html><body><p>Hello</p></body></html>",
                   headers={"X-Campaign": "trial"})
    counts = run(mail_db)
    assert (counts.claimed, counts.sent) == (1, 1)
    [got] = smtp.received
    msg = got.message
    assert got.rcpt_tos == ["lea@buyer.example"] and got.mail_from == "sam@seller.example"
    assert msg["Message-ID"] == queued.message_id
    assert msg["From"] == "Sam Seller <sam@seller.example>" and msg["To"] == "lea@buyer.example"
    assert msg["Subject"] == "Your trial" and msg["X-Campaign"] == "trial"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link, mailto = [part.strip(" <>") for part in msg["List-Unsubscribe"].split(",")]
    assert link.startswith("https://crm.seller.example/u/")
    assert mailto == "mailto:sam@seller.example?subject=unsubscribe"
    assert link in msg.get_body(("plain",)).get_content()
    assert f'href="{link}"' in msg.get_body(("html",)).get_content()
    sent = row(mail_db, queued.id)
    assert sent.status == "sent" and sent.attempts == 1 and sent.lease_until is None
    with mail_db.transaction() as s:
        stored = s.get(EmailMessage, sent.email_message_id)
        assert stored.direction == Direction.OUTBOUND and stored.lead_id == people.lead
        assert stored.thread.lead_id == people.lead and stored.external_id == queued.message_id


def test_the_same_key_queues_one_message_and_it_is_sent_once(
        mail_db: Database, smtp: LoopbackSMTP, people: People) -> None:
    first = queue(mail_db, "lead-7-step-2", lead_id=people.lead)
    again = queue(mail_db, "lead-7-step-2", lead_id=people.lead, subject="A different subject")
    assert again.id == first.id and again.subject == "Your trial"
    run(mail_db)
    run(mail_db, NOW + timedelta(hours=1))
    with mail_db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert [m.message_id for m in smtp.received] == [first.message_id]


@pytest.mark.parametrize("who", ["no_consent", "do_not_contact", "suppressed"])
def test_no_consent_do_not_contact_and_suppressed_addresses_are_never_sent(
        mail_db: Database, smtp: LoopbackSMTP, people: People, who: str) -> None:
    if who == "suppressed":
        with mail_db.transaction() as s:
            suppress(s, " LEA@Buyer.example ", "unsubscribe", "test")
        queued = queue(mail_db, "k", lead_id=people.lead)
    else:
        with mail_db.transaction() as s:
            address = s.get(Lead, getattr(people, who)).email
        queued = queue(mail_db, "k", to=address, lead_id=getattr(people, who))
    assert queued.status == "suppressed" and queued.last_error
    assert run(mail_db).claimed == 0
    assert smtp.received == []


def test_a_consenting_contact_is_mailed_and_an_address_alone_is_checked_against_the_list(
        mail_db: Database, smtp: LoopbackSMTP, people: People) -> None:
    assert queue(mail_db, "c", to="cor@buyer.example", contact_id=people.contact).status == "queued"
    assert queue(mail_db, "free", to="someone@else.example").status == "queued"
    assert run(mail_db).sent == 2


def test_bad_input_is_refused_with_a_clear_message(mail_db: Database, people: People) -> None:
    with pytest.raises(UserInputError, match="not an email address"):
        queue(mail_db, "x", to="not-an-address")
    with pytest.raises(UserInputError, match="one line"):
        queue(mail_db, "y", subject="two\nlines")
    with pytest.raises(UserInputError, match="set by the outbox"):
        queue(mail_db, "z", headers={"Message-ID": "<forged@x>"})
    with pytest.raises(UserInputError, match="lead 999"):
        queue(mail_db, "w", lead_id=999)


def test_a_down_server_is_retried_with_backoff_then_delivered_once_after_restart(
        mail_db: Database, smtp: LoopbackSMTP, people: People) -> None:
    queued = [queue(mail_db, f"k{i}", lead_id=people.lead) for i in range(3)]
    smtp.stop()
    counts = run(mail_db)
    assert (counts.sent, counts.retried) == (0, 3) and "cannot reach" in counts.errors[-1]
    waiting = row(mail_db, queued[0].id)
    assert waiting.status == "queued" and waiting.attempts == 1
    # first retry waits between half and all of base_seconds (60 s)
    assert NOW + timedelta(seconds=30) <= waiting.next_attempt_at <= NOW + timedelta(seconds=60)
    smtp.start()
    assert run(mail_db, NOW + timedelta(seconds=10)).claimed == 0  # not due yet
    assert run(mail_db, NOW + timedelta(seconds=61)).sent == 3
    assert run(mail_db, NOW + timedelta(hours=2)).claimed == 0
    assert sorted(m.message_id for m in smtp.received) == sorted(q.message_id for q in queued)


def test_after_the_last_attempt_the_message_fails(mail_db: Database, smtp: LoopbackSMTP, people: People) -> None:
    queued = queue(mail_db, "k", lead_id=people.lead)
    smtp.stop()
    at = NOW
    for _ in range(FAST_RETRY.max_attempts):
        run(mail_db, at)
        at += timedelta(days=1)
    final = row(mail_db, queued.id)
    assert final.status == "failed" and final.attempts == FAST_RETRY.max_attempts and "cannot reach" in final.last_error


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    policy = RetryPolicy(base_seconds=10, max_seconds=100)
    r = rng()
    delays = [policy.delay(n, r).total_seconds() for n in (1, 2, 3, 4, 5)]
    for n, d in zip((1, 2, 3, 4, 5), delays):
        full = min(10 * 2 ** (n - 1), 100)
        assert full / 2 <= d <= full


def test_a_row_left_sending_by_a_crashed_worker_is_sent_once_with_the_same_message_id(
        mail_db: Database, smtp: LoopbackSMTP, people: People) -> None:
    crashed = queue(mail_db, "crashed", lead_id=people.lead)
    busy = queue(mail_db, "busy", lead_id=people.lead)
    with mail_db.transaction() as s:
        for row_id, lease in ((crashed.id, NOW - timedelta(seconds=1)), (busy.id, NOW + timedelta(minutes=4))):
            r = s.get(OutboxMessage, row_id)
            r.status, r.attempts, r.lease_until = "sending", 1, lease
    counts = run(mail_db)
    assert (counts.claimed, counts.sent) == (1, 1)
    assert [m.message_id for m in smtp.received] == [crashed.message_id]
    assert row(mail_db, crashed.id).attempts == 2
    assert row(mail_db, busy.id).status == "sending"  # another worker still holds it


def test_each_mailbox_is_throttled_per_minute(mail_db: Database, smtp: LoopbackSMTP, people: People) -> None:
    for i in range(5):
        queue(mail_db, f"a{i}", lead_id=people.lead)
    queue(mail_db, "other-mailbox", from_address="eve@seller.example")
    counts = run(mail_db, per_minute=2)
    assert (counts.sent, counts.throttled) == (3, 3)
    assert run(mail_db, NOW + timedelta(seconds=30), per_minute=2).sent == 0
    assert run(mail_db, NOW + timedelta(seconds=61), per_minute=2).sent == 2
    assert run(mail_db, NOW + timedelta(seconds=122), per_minute=2).sent == 1
    assert len(smtp.received) == 6


def test_a_permanent_refusal_fails_the_message_and_suppresses_the_address_as_a_bounce(
        mail_db: Database, smtp: LoopbackSMTP, people: People) -> None:
    smtp.sink.refuse.add("lea@buyer.example")
    queued = queue(mail_db, "k", lead_id=people.lead)
    counts = run(mail_db)
    assert (counts.failed, counts.bounced) == (1, 1)
    failed = row(mail_db, queued.id)
    assert failed.status == "failed" and "550" in failed.last_error
    with mail_db.transaction() as s:
        assert is_suppressed(s, "lea@buyer.example")
    assert queue(mail_db, "k2", lead_id=people.lead).status == "suppressed"


def test_a_temporary_refusal_is_retried_and_the_connection_carries_the_next_message(
        mail_db: Database, smtp: LoopbackSMTP, people: People) -> None:
    first = queue(mail_db, "a", lead_id=people.lead)
    second = queue(mail_db, "b", lead_id=people.lead)
    smtp.sink.defer_next = 1
    counts = run(mail_db)
    assert (counts.sent, counts.retried) == (1, 1)
    assert row(mail_db, first.id).status == "queued" and "451" in row(mail_db, first.id).last_error
    assert [m.message_id for m in smtp.received] == [second.message_id]
    assert run(mail_db, NOW + timedelta(minutes=2)).sent == 1


def test_smtp_login_is_used_when_configured(mail_db: Database, people: People) -> None:
    from salesmind.engagement.mail.transport import SMTPTransport

    with LoopbackSMTP(auth=("sam", "s3cret")) as server:
        queue(mail_db, "a", lead_id=people.lead)
        wrong = SMTPTransport("127.0.0.1", server.port, security="none", username="sam", password="nope")
        counts = deliver(mail_db, wrong, now=NOW, policy=FAST_RETRY, rng=rng())
        assert counts.retried == 1 and "login refused" in counts.errors[-1]
        right = SMTPTransport("127.0.0.1", server.port, security="none", username="sam", password="s3cret")
        assert deliver(mail_db, right, now=NOW + timedelta(minutes=2), policy=FAST_RETRY, rng=rng()).sent == 1
        assert len(server.received) == 1


@pytest.fixture
def certificate(tmp_path):  # type: ignore[no-untyped-def]
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_mail_goes_over_tls_and_an_untrusted_certificate_is_refused(
        mail_db: Database, people: People, certificate, security: str) -> None:  # type: ignore[no-untyped-def]
    import ssl

    from salesmind.engagement.mail.transport import SMTPTransport

    cert, key = certificate
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    with LoopbackSMTP(tls=server_side, implicit_tls=security == "ssl", auth=("sam", "s3cret")) as server:
        queue(mail_db, "a", lead_id=people.lead)
        untrusted = SMTPTransport("127.0.0.1", server.port, security=security, username="sam", password="s3cret")
        counts = deliver(mail_db, untrusted, now=NOW, policy=FAST_RETRY, rng=rng())
        assert counts.sent == 0 and "CERTIFICATE_VERIFY_FAILED" in counts.errors[-1]
        trusted = SMTPTransport("127.0.0.1", server.port, security=security, username="sam", password="s3cret",
                                ssl_context=ssl.create_default_context(cafile=str(cert)))
        assert deliver(mail_db, trusted, now=NOW + timedelta(minutes=2), policy=FAST_RETRY, rng=rng()).sent == 1
        assert len(server.received) == 1


def test_two_workers_at_once_send_each_message_once(mail_db: Database, smtp: LoopbackSMTP, people: People) -> None:
    import threading

    queued = [queue(mail_db, f"k{i}", to=f"p{i}@buyer.example") for i in range(40)]
    results = []

    def worker() -> None:
        results.append(run(mail_db, limit=7))

    for _ in range(3):  # three rounds of two concurrent workers
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    results.append(run(mail_db, limit=100))
    ids = [m.message_id for m in smtp.received]
    assert sorted(ids) == sorted(q.message_id for q in queued)  # every one, none twice
    assert sum(r.claimed for r in results) == 40  # no row was claimed by both workers
