"""The engagement worker: what makes mail go out without a person, every few seconds.

One run: the cadence engine's tick (due touches become outbox messages and tasks), then the
outbox's delivery through SMTP, then the send times of first replies copied to their inbound
submissions and leads, then (when an IMAP inbox is configured, about once a minute) new replies,
bounces and unsubscribes fetched and processed. ``salesmind serve`` runs it in a thread when a
mail server is configured (or ``--mail-catcher`` is given); each part is idempotent, so several
workers or a restart never send twice.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from salesmind.core.db import Database
from salesmind.engagement.mail.outbox import deliver
from salesmind.engagement.mail.transport import Transport

log = logging.getLogger(__name__)
#: Messages delivered per run; a full batch means a backlog, so the next run starts at once.
BATCH = 200
#: Seconds between IMAP polls.
IMAP_EVERY = 60.0


@dataclass
class WorkerRun:
    """What one run did."""

    emails: int = 0
    tasks: int = 0
    sent: int = 0
    claimed: int = 0
    replies_recorded: int = 0
    fetched: int = 0
    errors: list[str] = field(default_factory=list)


def run_once(database: Database, transport: Transport, *, cadences: bool = True, imap: bool = False) -> WorkerRun:
    """One pass of every job (each failure is logged and kept in ``errors``; the other jobs still run)."""
    from salesmind.engagement.inbound.service import record_sent_replies

    run = WorkerRun()
    if cadences:
        from salesmind.engagement.cadences.engine import tick

        try:
            counts = tick(database)
            run.emails, run.tasks = counts.emails, counts.tasks
            run.errors += list(counts.errors)
        except Exception as exc:  # noqa: BLE001 - a bad run must not stop mail delivery
            log.exception("cadence tick failed")
            run.errors.append(f"cadences: {exc}")
    try:
        delivered = deliver(database, transport, limit=BATCH)
        run.sent, run.claimed = delivered.sent, delivered.claimed
        run.errors += list(delivered.errors)
    except Exception as exc:  # noqa: BLE001
        log.exception("outbox delivery failed")
        run.errors.append(f"outbox: {exc}")
    try:
        with database.transaction() as session:
            run.replies_recorded = record_sent_replies(session)
    except Exception as exc:  # noqa: BLE001
        log.exception("recording sent first replies failed")
        run.errors.append(f"first replies: {exc}")
    if imap:
        from salesmind.engagement.mail.imap import poll_imap

        try:
            polled = poll_imap(database)
            run.fetched = len(polled.processed)
            run.errors += list(polled.errors)
        except Exception as exc:  # noqa: BLE001
            log.exception("IMAP poll failed")
            run.errors.append(f"imap: {exc}")
    return run


def run_engagement_worker(database: Database, transport: Transport, stop_event: threading.Event,
                          interval_seconds: float = 5.0, *, cadences: bool = True, imap: bool = False) -> None:
    """Until ``stop_event`` is set: :func:`run_once` every ``interval_seconds``, or at once again while the
    outbox has a backlog (a burst of inbound leads is drained without waiting between batches)."""
    last_poll = float("-inf")
    while not stop_event.is_set():
        poll = imap and time.monotonic() - last_poll >= IMAP_EVERY
        run = run_once(database, transport, cadences=cadences, imap=poll)
        if poll:
            last_poll = time.monotonic()
        for error in run.errors[:3]:
            log.warning("engagement worker: %s", error)
        if run.claimed < BATCH or run.errors:
            stop_event.wait(interval_seconds)


def start_worker(database: Database, transport: Transport, interval_seconds: float = 5.0, *,
                 imap: bool = False) -> tuple[threading.Thread, threading.Event]:
    """Run :func:`run_engagement_worker` in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=run_engagement_worker, args=(database, transport, stop, interval_seconds),
                              kwargs={"imap": imap}, name="salesmind-engagement-worker", daemon=True)
    thread.start()
    return thread, stop
