"""Concurrent writers of one process take turns to commit on SQLite, without failing or deadlocking."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from salesmind.core import db as db_module
from salesmind.core.db import Database
from salesmind.data.models import Suppression


class CountingLock:
    """A lock that counts how often it was taken."""

    def __init__(self) -> None:
        self.lock, self.taken = threading.Lock(), 0

    def acquire(self, timeout: float = -1) -> bool:
        got = self.lock.acquire(timeout=timeout)
        self.taken += got
        return got

    def release(self) -> None:
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


def test_a_turn_taken_before_a_flush_lasts_until_the_commit_on_another_thread(
        sqlite_database: Database) -> None:
    """A request flushes to learn its ids and commits later, on another thread (FastAPI runs the
    session dependency's exit there); a writer arriving in between queues for the turn instead of
    sleeping in SQLite's busy handler, and gets it once the first has committed."""
    database = sqlite_database
    lock = db_module._SQLITE_WRITERS[database.engine]
    order: list[str] = []
    session = database.sessions()
    session.scalar(select(func.count(Suppression.id)))  # a read: no write transaction yet
    db_module.take_write_turn(session)
    assert lock.locked()
    session.add(Suppression(email_hash="a" * 64, reason="manual"))
    session.flush()

    def other() -> None:
        with database.transaction() as s:
            s.add(Suppression(email_hash="b" * 64, reason="manual"))
        order.append("b committed")

    waiting = threading.Thread(target=other)
    waiting.start()
    time.sleep(0.2)
    assert waiting.is_alive() and not order  # queued behind the turn

    def finish() -> None:
        db_module.commit(session)
        order.append("a committed")
        session.close()

    committer = threading.Thread(target=finish)
    committer.start()
    committer.join(5)
    waiting.join(5)
    assert order == ["a committed", "b committed"] and not lock.locked() and _count(database) == 2


def test_a_turn_is_handed_on_after_a_rollback_and_not_taken_by_a_writing_transaction(
        sqlite_database: Database) -> None:
    database = sqlite_database
    lock = db_module._SQLITE_WRITERS[database.engine]
    with database.sessions() as session:
        db_module.take_write_turn(session)
        session.add(Suppression(email_hash="c" * 64, reason="manual"))
        session.flush()
        session.rollback()
        assert not lock.locked()
        session.add(Suppression(email_hash="d" * 64, reason="manual"))
        session.flush()  # writes without a turn: holds SQLite's lock, so it must not queue
        db_module.take_write_turn(session)
        assert not lock.locked()
        session.commit()
    assert _count(database) == 1


def test_a_write_turn_is_nothing_on_postgresql(database: Database) -> None:
    if database.engine.dialect.name == "sqlite":
        pytest.skip("SQLite's turns are tested above")
    with database.transaction() as session:
        db_module.take_write_turn(session)
        assert not session.info
        session.add(Suppression(email_hash="e" * 64, reason="manual"))
    assert _count(database) == 1
