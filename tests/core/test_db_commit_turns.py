"""Concurrent writers of one process take turns to commit on SQLite, without failing or deadlocking."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from salesmind.core import db as db_module
from salesmind.core.db import Database
from salesmind.data.models import Suppression


class CountingLock:
    """A lock that counts how often it was taken."""

    def __init__(self) -> None:
        self.lock, self.taken = threading.Lock(), 0

    def __enter__(self) -> None:
        self.lock.acquire()
        self.taken += 1

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


def _count(database: Database) -> int:
    with database.transaction() as s:
        return int(s.scalar(select(func.count(Suppression.id))) or 0)


def test_threads_that_write_at_the_end_queue_for_the_commit(database: Database) -> None:
    sqlite = database.engine.dialect.name == "sqlite"
    counting = CountingLock()
    if sqlite:
        db_module._SQLITE_WRITERS[database.engine] = counting  # type: ignore[assignment]
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for i in range(15):
                with database.transaction() as s:
                    s.scalar(select(func.count(Suppression.id)))  # read first, write last
                    s.add(Suppression(email_hash=f"{k:02d}{i:02d}".ljust(64, "0"), reason="manual"))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and _count(database) == 90
    assert counting.taken == (90 if sqlite else 0)


def test_a_session_that_already_wrote_commits_without_queueing(database: Database) -> None:
    """A holds SQLite's write lock (it flushed) when B queues for its commit and then waits for
    SQLite: A must not queue behind B, or both would wait for the busy timeout."""
    flushed, b_waiting, done = threading.Event(), threading.Event(), []

    def a() -> None:
        with database.transaction() as s:
            s.add(Suppression(email_hash="a" * 64, reason="manual"))
            s.flush()
            flushed.set()
            b_waiting.wait(5)
            time.sleep(0.3)  # B is in its commit by now, waiting for SQLite's lock
        done.append("a")

    def b() -> None:
        flushed.wait(5)
        with database.transaction() as s:
            s.add(Suppression(email_hash="b" * 64, reason="manual"))
            b_waiting.set()
        done.append("b")

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert sorted(done) == ["a", "b"] and _count(database) == 2
