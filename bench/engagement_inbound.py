"""Inbound burst: 1,000 form submissions, each answered by a first reply that must reach the mail server in 5 minutes.

1,000 synthetic form posts (``application/x-www-form-urlencoded``, as the embeddable form sends
them) go through the app's ASGI interface with Starlette's TestClient, 4 client threads at once, to
``POST /f/{form_key}`` on an SQLite database. Each post validates, creates the lead, routes it
(round robin over 8 reps), renders the personalised reply and queues it in the outbox, in one
transaction. Meanwhile :func:`run_inbound_worker` (its default 5-second interval, draining without
pause while batches come back full) delivers the replies to an aiosmtpd server on 127.0.0.1 that
notes the wall time each message arrives. No lead model is trained here, so leads are routed
unscored (the service says so in each submission): scoring one lead is measured by
``bench/scoring_speed.py``.

Times are from just before the client sends the form to (a) the response, when the transaction that
queued the reply has committed, and (b) the reply's arrival at the SMTP server (same machine clock).
Reference in the same run: the bare lead insert (one ``Lead`` row per transaction, no validation,
routing, reply or HTTP) on the same kind of database. The submissions are synthetic; the benchmark
measures the plumbing, not a model, so no public data set applies.
"""

from __future__ import annotations

import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench._latency import percentile
from bench.engagement_outbox import fresh_database
from bench.scoring import machine
from salesmind.core.db import Database
from salesmind.data.models import InboundSubmission, Lead, Role, User
from salesmind.data.models.outreach import OutboxMessage
from salesmind.engagement.inbound import create_rule, form_key, run_inbound_worker
from salesmind.engagement.mail.loopback import LoopbackSMTP
from salesmind.engagement.mail.transport import SMTPTransport

SUBMISSIONS = 1_000
CLIENTS = 4
REPS = 8
TARGET_SECONDS = 300.0
DEADLINE_SECONDS = 600.0


@dataclass(frozen=True)
class Latencies:
    """p50 and p99 (seconds) of some latencies and the share at or under the target."""

    count: int
    p50: float
    p99: float
    within_target: float


def latencies(values: list[float], target: float = TARGET_SECONDS, expected: int | None = None) -> Latencies:
    """Nearest-rank p50/p99 and the share within ``target``; missing values (of ``expected``) count as late."""
    total = expected if expected is not None else len(values)
    if not values:
        return Latencies(0, float("nan"), float("nan"), 0.0)
    within = sum(1 for v in values if v <= target)
    return Latencies(len(values), percentile(values, 50), percentile(values, 99), within / total if total else 0.0)


def submission(i: int) -> dict[str, str]:
    """The ``i``-th synthetic form post."""
    return {"first_name": f"Buyer{i}", "last_name": "Test", "email": f"buyer{i}@buyer{i % 97}.example",
            "company": f"Company {i % 97}", "title": "Head of Sales", "country": "DE", "employees": str(10 + i % 900),
            "message": f"Question {i}: can you forecast our renewals?", "consent": "yes", "utm_source": "bench"}


def time_arrivals(server: LoopbackSMTP) -> dict[str, float]:
    """Make ``server`` note the wall time each Message-ID arrives; returns the (live) mapping."""
    arrived: dict[str, float] = {}
    original = server.sink.handle_DATA

    async def handle(srv: Any, session: Any, envelope: Any) -> str:
        reply = await original(srv, session, envelope)
        if reply.startswith("250"):
            head = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
            arrived.setdefault(str(head["Message-ID"]), time.time())
        return reply

    server.sink.handle_DATA = handle  # type: ignore[method-assign]
    return arrived


def add_reps(database: Database) -> None:
    """Eight active reps and one round-robin rule over them."""
    with database.transaction() as session:
        reps = [User(email=f"rep{i}@seller.example", name=f"Rep {i}", role=Role.REP) for i in range(REPS)]
        session.add_all(reps)
        session.flush()
        create_rule(session, name="Everyone", kind="round_robin", assignee_ids=[r.id for r in reps])


def burst(database: Database, n: int) -> tuple[dict[str, float], list[float], float, int]:
    """Post ``n`` forms from CLIENTS threads; returns send time per email, response latencies, wall seconds and
    failures."""
    from fastapi.testclient import TestClient

    from salesmind.api.app import create_app

    sent_at: dict[str, float] = {}
    waits: list[float] = []
    failures = 0
    lock = threading.Lock()
    url = f"/f/{form_key(database.settings)}?format=json"
    with TestClient(create_app(database.settings, database=database)) as client:
        def post(i: int) -> None:
            nonlocal failures
            data = submission(i)
            started = time.time()
            response = client.post(url, data=data)
            with lock:
                if response.status_code == 201:
                    sent_at[data["email"]] = started
                    waits.append(time.time() - started)
                else:
                    failures += 1

        began = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(post, range(n)))
        seconds = time.perf_counter() - began
    return sent_at, waits, seconds, failures


def bare_inserts(database: Database, n: int) -> list[float]:
    """Seconds each of ``n`` bare lead inserts takes (one transaction each)."""
    out = []
    for i in range(n):
        started = time.perf_counter()
        with database.transaction() as session:
            session.add(Lead(first_name=f"Ref{i}", email=f"ref{i}@ref.example", consent_email=True))
        out.append(time.perf_counter() - started)
    return out


def reply_ids(database: Database) -> dict[str, str]:
    """Email -> Message-ID of every submission's first reply."""
    with database.transaction() as session:
        rows = session.execute(select(InboundSubmission.payload, OutboxMessage.message_id)
                               .join(OutboxMessage, OutboxMessage.id == InboundSubmission.first_reply_id)).all()
    return {payload["email"]: message_id for payload, message_id in rows}


def _row(name: str, stats: Latencies, note: str) -> str:
    return (f"| {name} | {stats.count:,} | {1000 * stats.p50:,.1f} | {1000 * stats.p99:,.1f} | "
            f"{stats.within_target:.1%} | {note} |")


def run() -> str:
    """Measure and return the markdown section."""
    with tempfile.TemporaryDirectory(prefix="bench-inbound-") as tmp:
        root = Path(tmp)
        with LoopbackSMTP() as server:
            arrived = time_arrivals(server)
            database = fresh_database(root, "burst", server.port)
            add_reps(database)
            stop = threading.Event()
            transport = SMTPTransport("127.0.0.1", server.port, security="none")
            worker = threading.Thread(target=run_inbound_worker, args=(database, transport, stop), daemon=True)
            worker.start()
            sent_at, waits, seconds, failures = burst(database, SUBMISSIONS)
            deadline = time.time() + DEADLINE_SECONDS
            while len(arrived) < len(sent_at) and time.time() < deadline:
                time.sleep(0.05)
            stop.set()
            worker.join(30)
            ids = reply_ids(database)
            received = [arrived[ids[e]] - t0 for e, t0 in sent_at.items() if ids.get(e) in arrived]
            duplicates = len(server.received) - len({r.message_id for r in server.received})
            database.dispose()
        reference_db = fresh_database(root, "reference", 1)
        bare = bare_inserts(reference_db, SUBMISSIONS)
        reference_db.dispose()
    queued = latencies(waits, expected=SUBMISSIONS)
    got = latencies(received, expected=SUBMISSIONS)
    ref = latencies(bare)
    lines = [
        "## Inbound burst: first reply queued and received (engagement_inbound)",
        "",
        f"{SUBMISSIONS:,} form posts through the app's ASGI interface (Starlette TestClient, {CLIENTS} client threads) "
        f"on SQLite, each validated, merged, routed (round robin over {REPS} reps, unscored: no lead model is "
        "trained in this run) and answered with a personalised reply queued in the outbox in the same transaction; "
        "the inbound worker (default 5 s interval, draining full batches without pause) delivers to an aiosmtpd "
        "server on loopback. Times from just before each post; the share within 5 minutes counts a reply that "
        "never arrived as late. The per-mailbox throttle is off here (`SALESMIND_MAIL_PER_MINUTE=0`): at its "
        "default of 60 a minute, 1,000 replies from one sender address take at least 16.7 minutes by construction, "
        "so a burst this size needs the throttle raised or replies sent from each rep's own mailbox.",
        "",
        "| measure | n | p50 ms | p99 ms | within 5 min | note |",
        "|---|---:|---:|---:|---:|---|",
        _row("form post -> reply queued (response)", queued, f"{failures} failed posts; "
             f"{len(sent_at) / seconds:,.0f} posts/s"),
        _row("form post -> reply received by SMTP", got, f"{len(received):,} of {SUBMISSIONS:,} arrived; "
             f"{duplicates} duplicates"),
        _row("reference: bare lead insert", ref, "one Lead row per transaction, no HTTP"),
        "",
        f"Queueing the reply costs {queued.p50 / ref.p50:,.1f}x the bare insert at the median "
        f"({queued.p99 / ref.p99:,.1f}x at p99), HTTP, validation, routing and rendering included. "
        f"Machine: {machine()}.",
    ]
    return "\n".join(lines)
