"""IMAP polling against a real IMAP server on loopback (pymap, from the test extra)."""

from __future__ import annotations

import imaplib
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import func, select

from salesmind.core.db import Database
from salesmind.data.models import Direction, EmailMessage
from salesmind.engagement.mail import imap
from salesmind.engagement.mail.loopback import LoopbackSMTP, free_port
from salesmind.engagement.mail.outbox import deliver, enqueue
from salesmind.engagement.mail.suppression import is_suppressed

from mail_world import FAST_RETRY, FIXTURES, NOW, People, mail_db, people, rng, smtp, transport  # noqa: F401

USER, PASSWORD = "sam", "imap-pw"


@pytest.fixture
def imap_port() -> Iterator[int]:
    """A pymap IMAP server (in-memory mailboxes) on a free loopback port."""
    binary = shutil.which("pymap", path=str(Path(sys.executable).parent)) or shutil.which("pymap")
    if binary is None:
        pytest.skip("pymap (an IMAP server, in the test extra) is not installed")
    port = free_port()
    server = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", str(port), "--no-tls", "dict",
                               "--demo-user", USER, "--demo-password", PASSWORD],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        end = time.monotonic() + 20
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("the IMAP server did not start")
        yield port
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def imap_db(mail_db: Database, imap_port: int) -> Database:
    mail = replace(mail_db.settings.mail, imap_host="127.0.0.1", imap_port=imap_port, imap_security="none",
                   imap_username=USER, imap_password=PASSWORD)
    mail_db.settings = mail_db.settings.with_overrides(mail=mail)
    return mail_db


def append(port: int, *messages: bytes) -> None:
    """Put messages in the INBOX as a mail server delivering them would."""
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(USER, PASSWORD)
    for raw in messages:
        client.append("INBOX", None, None, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    client.logout()


def inbound_count(db: Database) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(EmailMessage)
                        .where(EmailMessage.direction == Direction.INBOUND)) or 0


def test_unseen_replies_and_bounces_are_processed_once(
        imap_db: Database, imap_port: int, smtp: LoopbackSMTP, people: People) -> None:
    with imap_db.transaction() as s:
        ours = enqueue(s, idempotency_key="t", to="lea@buyer.example", subject="Your trial", text="Hello",
                       lead_id=people.lead, send_after=NOW, settings=imap_db.settings).message_id
    deliver(imap_db, transport(imap_db.settings), now=NOW, policy=FAST_RETRY, rng=rng())
    reply = (FIXTURES / "reply.eml").read_bytes().replace(b"{message_id}", ours.encode())
    bounce = (FIXTURES / "dsn_bounce.eml").read_bytes().replace(b"{message_id}", ours.encode())
    append(imap_port, reply, bounce, b"this is not an email")
    first = imap.poll_imap(imap_db, classify=False)
    assert first.unseen == 3 and first.refused == 1
    assert sorted(r.kind for r in first.processed) == ["bounce", "reply"]
    assert [r.lead_id for r in first.processed if r.kind == "reply"] == [people.lead]
    with imap_db.transaction() as s:
        assert is_suppressed(s, "lea@buyer.example")
    again = imap.poll_imap(imap_db, classify=False)
    assert (again.unseen, again.processed) == (0, [])
    assert inbound_count(imap_db) == 1


def test_a_poller_that_dies_mid_message_leaves_it_unseen_for_the_next_poll(
        imap_db: Database, imap_port: int, people: People, monkeypatch: pytest.MonkeyPatch) -> None:
    append(imap_port, (FIXTURES / "cold_reply.eml").read_bytes())
    real = imap.process_inbound

    def dies(*args, **kwargs):  # type: ignore[no-untyped-def]
        real(*args, **kwargs)  # stored, then the poller dies before flagging the message seen
        raise RuntimeError("killed")

    monkeypatch.setattr(imap, "process_inbound", dies)
    with pytest.raises(RuntimeError):
        imap.poll_imap(imap_db, classify=False)
    monkeypatch.setattr(imap, "process_inbound", real)
    retry = imap.poll_imap(imap_db, classify=False)
    assert retry.unseen == 1 and [r.kind for r in retry.processed] == ["duplicate"]
    assert inbound_count(imap_db) == 1
    assert imap.poll_imap(imap_db, classify=False).unseen == 0


def test_a_wrong_password_is_a_clear_configuration_error(imap_db: Database) -> None:
    from salesmind.core.errors import ConfigError

    imap_db.settings = imap_db.settings.with_overrides(mail=replace(imap_db.settings.mail, imap_password="wrong"))
    with pytest.raises(ConfigError, match="cannot use the IMAP mailbox"):
        imap.poll_imap(imap_db)


def test_the_poll_command_reads_the_mailbox(imap_db: Database, imap_port: int, people: People,
                                            tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from salesmind.cli.main import app as cli

    append(imap_port, (FIXTURES / "cold_reply.eml").read_bytes())
    env = {"SALESMIND_HOME": str(tmp_path / "cli"), "SALESMIND_DATABASE_URL": imap_db.settings.database_url,
           "SALESMIND_IMAP_HOST": "127.0.0.1", "SALESMIND_IMAP_PORT": str(imap_port),
           "SALESMIND_IMAP_SECURITY": "none", "SALESMIND_IMAP_USERNAME": USER, "SALESMIND_IMAP_PASSWORD": PASSWORD}
    out = CliRunner().invoke(cli, ["mail", "poll-imap", "--no-classify", "--json"], env=env)
    assert out.exit_code == 0, out.output
    body = json.loads(out.stdout)
    assert body["unseen"] == 1 and body["processed"][0]["contact_id"] == people.contact
    unset = CliRunner().invoke(cli, ["mail", "poll-imap"], env={**env, "SALESMIND_IMAP_HOST": ""})
    assert unset.exit_code == 3 and "SALESMIND_IMAP_HOST" in unset.output
