"""Outbox throughput through a real SMTP server on loopback, and no duplicates or losses across an outage.

2,000 messages to 2,000 consenting leads go through the outbox (``enqueue``, then ``deliver`` in
batches of 100 on one SMTP connection per batch) into an aiosmtpd server on 127.0.0.1, on an
SQLite database. Reference in the same run: plain smtplib sending the same 2,000 messages on one
connection, with no database at all (the ceiling the outbox's bookkeeping costs against). Then the
same 2,000 go through again while the server is stopped after a quarter has arrived and started
again a second later: duplicates (by Message-ID at the server) and losses (queued, never received)
are counted. A third run kills a worker (an exception out of the transport) right after the server
accepted a message and before the outbox recorded it, to show the one window the delivery
guarantee leaves open: that message arrives twice with the same Message-ID (receivers deduplicate
on it) and nothing is lost. The messages are synthetic: the benchmark measures mail plumbing, not
a model, so no public data set applies.
"""

from __future__ import annotations

import random
import smtplib
import tempfile
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage as MimeMessage
from pathlib import Path

from sqlalchemy import func, select

from bench.scoring import machine
from salesmind.core.db import Database
from salesmind.core.settings import MailSettings, Settings
from salesmind.core.timeutil import utcnow
from salesmind.data.models import Lead
from salesmind.data.models.outreach import OutboxMessage
from salesmind.engagement.mail.loopback import LoopbackSMTP
from salesmind.engagement.mail.outbox import RetryPolicy, deliver, enqueue, mime_message
from salesmind.engagement.mail.transport import SMTPTransport

MESSAGES = 2_000
BATCH = 100
#: Retries come fast so that the outage run takes seconds, not hours.
POLICY = RetryPolicy(base_seconds=0.05, max_seconds=0.5, max_attempts=10_000, lease_seconds=2.0)
OUTAGE_SECONDS = 1.0
DEADLINE_SECONDS = 300.0


@dataclass(frozen=True)
class Outcome:
    """What the server got compared with what was queued."""

    queued: int
    received: int
    duplicates: int
    losses: int


def outcome(queued_ids: list[str], received_ids: list[str]) -> Outcome:
    """Duplicates: receptions beyond the first of a Message-ID; losses: queued Message-IDs never received."""
    return Outcome(len(queued_ids), len(received_ids), len(received_ids) - len(set(received_ids)),
                   len(set(queued_ids) - set(received_ids)))


def rate(count: int, seconds: float) -> float:
    """Messages per second (0 when no time was measured)."""
    return count / seconds if seconds > 0 else 0.0


def fresh_database(root: Path, name: str, port: int) -> Database:
    """A migrated SQLite database in ``root`` whose mail settings point at the loopback port."""
    home = root / name
    home.mkdir()
    settings = Settings.from_env({"SALESMIND_HOME": str(home), "SALESMIND_SECRET_KEY": "bench"})
    settings = settings.with_overrides(mail=MailSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                                                         from_address="sales@seller.example",
                                                         public_url="https://crm.seller.example", per_minute=0))
    database = Database(settings)
    database.migrate()
    return database


def fill(database: Database, n: int) -> tuple[list[str], float]:
    """Create ``n`` consenting leads and queue one message to each; returns the Message-IDs and the seconds taken
    by enqueueing."""
    with database.transaction() as session:
        leads = [Lead(first_name=f"Buyer{i}", email=f"buyer{i}@buyer.example", consent_email=True) for i in range(n)]
        session.add_all(leads)
        session.flush()
        ids = [lead.id for lead in leads]
    started = time.perf_counter()
    with database.transaction() as session:
        rows = [enqueue(session, idempotency_key=f"bench-{lead_id}", to=f"buyer{i}@buyer.example",
                        subject=f"Your trial, Buyer{i}", text=f"Hello Buyer{i},\n\nthanks for trying us.\n",
                        lead_id=lead_id, settings=database.settings)
                for i, lead_id in enumerate(ids)]
        message_ids = [r.message_id for r in rows]
    return message_ids, time.perf_counter() - started


def pending(database: Database) -> int:
    """Rows not yet in a final state."""
    with database.transaction() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.status.in_(("queued", "sending")))) or 0


def drain(database: Database, transport: SMTPTransport, stop: threading.Event | None = None) -> float:
    """Deliver until nothing is pending (and ``stop`` is set, when given); returns the seconds taken."""
    started = time.perf_counter()
    rng = random.Random(0)
    while time.perf_counter() - started < DEADLINE_SECONDS:
        counts = deliver(database, transport, limit=BATCH, policy=POLICY, rng=rng)
        if counts.claimed == 0:
            if pending(database) == 0 and (stop is None or stop.is_set()):
                break
            time.sleep(0.02)
    return time.perf_counter() - started


def outage(server: LoopbackSMTP, after: int, done: threading.Event) -> None:
    """Stop the server once ``after`` messages have arrived; start it again ``OUTAGE_SECONDS`` later."""
    while len(server.received) < after:
        time.sleep(0.002)
    server.stop()
    time.sleep(OUTAGE_SECONDS)
    server.start()
    done.set()


class CrashAfterAccept(SMTPTransport):
    """A transport whose worker dies right after the server accepted the ``crash_at``-th message."""

    def __init__(self, *args: object, crash_at: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.remaining = crash_at

    def send(self, message: MimeMessage, sender: str, recipients: list[str]) -> None:
        super().send(message, sender, recipients)
        self.remaining -= 1
        if self.remaining == 0:
            raise RuntimeError("worker killed between the server's acceptance and the commit")


def reference(messages: list[MimeMessage], port: int) -> float:
    """Seconds plain smtplib takes to send ``messages`` on one connection (no outbox, no database)."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for msg in messages:
            smtp.send_message(msg, from_addr="sales@seller.example", to_addrs=[str(msg["To"])])
    return time.perf_counter() - started


def crash_run(root: Path) -> Outcome:
    """Kill one worker after an accepted message; a second worker finishes after the lease expires."""
    with LoopbackSMTP() as server:
        database = fresh_database(root, "crash", server.port)
        ids, _ = fill(database, 200)
        dying = CrashAfterAccept("127.0.0.1", server.port, security="none", crash_at=50)
        try:
            deliver(database, dying, limit=BATCH, policy=POLICY)
        except RuntimeError:
            pass  # the worker is gone; its 100 claimed rows wait for their lease to expire
        time.sleep(POLICY.lease_seconds + 0.1)
        drain(database, SMTPTransport("127.0.0.1", server.port, security="none"))
        result = outcome(ids, [r.message_id for r in server.received])
        database.dispose()
    return result


def table(rows: list[tuple[str, str, str, str, str]]) -> str:
    """A markdown table of (run, messages/s, duplicates, losses, note) rows."""
    lines = ["| run | messages/s | duplicates (by Message-ID) | losses | note |", "|---|---:|---:|---:|---|"]
    lines += [f"| {' | '.join(r)} |" for r in rows]
    return "\n".join(lines)


def run() -> str:
    """Measure and return the markdown section."""
    with tempfile.TemporaryDirectory(prefix="bench-outbox-") as tmp:
        root = Path(tmp)
        with LoopbackSMTP() as server:
            database = fresh_database(root, "clean", server.port)
            ids, enqueue_seconds = fill(database, MESSAGES)
            seconds = drain(database, SMTPTransport("127.0.0.1", server.port, security="none"))
            clean = outcome(ids, [r.message_id for r in server.received])
            with database.transaction() as session:
                rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
                copies = [mime_message(r, utcnow()) for r in rows]
            database.dispose()
        with LoopbackSMTP() as plain:
            for msg in copies:  # a fresh Message-ID each: the reference server counts its own messages
                msg.replace_header("Message-ID", msg["Message-ID"].replace("@", ".ref@"))
            ref_seconds = reference(copies, plain.port)
            ref = outcome([str(m["Message-ID"]) for m in copies], [r.message_id for r in plain.received])
        server = LoopbackSMTP().start()
        database = fresh_database(root, "outage", server.port)
        ids, _ = fill(database, MESSAGES)
        done = threading.Event()
        chaos = threading.Thread(target=outage, args=(server, MESSAGES // 4, done), daemon=True)
        chaos.start()
        outage_seconds = drain(database, SMTPTransport("127.0.0.1", server.port, security="none"), stop=done)
        chaos.join()
        with database.transaction() as session:
            retried = session.scalar(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.attempts > 1)) or 0
        down = outcome(ids, [r.message_id for r in server.received])
        server.stop()
        database.dispose()
        crash = crash_run(root)
    outbox_rate, ref_rate = rate(clean.received, seconds), rate(ref.received, ref_seconds)
    rows = [
        ("plain smtplib, one connection (reference)", f"{ref_rate:,.0f}", str(ref.duplicates), str(ref.losses),
         "no database, no retries, nothing recorded"),
        ("outbox: deliver in batches of 100", f"{outbox_rate:,.0f}", str(clean.duplicates), str(clean.losses),
         f"{outbox_rate / ref_rate:.2f}× the reference; enqueue alone {rate(MESSAGES, enqueue_seconds):,.0f}/s"),
        (f"outbox, server down {OUTAGE_SECONDS:.0f} s after {MESSAGES // 4:,} messages",
         f"{rate(down.received, outage_seconds):,.0f}", str(down.duplicates), str(down.losses),
         f"{retried:,} messages needed a retry; all {down.received - down.duplicates:,} arrived"),
        ("outbox, a worker killed after the server accepted message 50 of 200", "—", str(crash.duplicates),
         str(crash.losses), "the documented window: a resend with the same Message-ID"),
    ]
    return "\n".join([
        "## Outbox throughput (loopback SMTP)",
        "",
        f"{MESSAGES:,} messages to {MESSAGES:,} consenting leads through `salesmind.engagement.mail` into an aiosmtpd "
        "server on 127.0.0.1 (SQLite, throttle off, one SMTP connection per batch). Each sent message is also "
        "stored on its lead's email thread. Reproduce: `python -m bench engagement_outbox`.",
        "",
        table(rows),
        "",
        f"Machine: {machine()}.",
    ])
