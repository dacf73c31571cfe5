"""Database engine and sessions: SQLite (WAL) by default, PostgreSQL when configured."""

from __future__ import annotations

import threading
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from salesmind.core.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "data" / "migrations"


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _begin_before_savepoint)
        _SQLITE_WRITERS[engine] = threading.Lock()
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_before_savepoint(conn, _name) -> None:  # type: ignore[no-untyped-def]
    """Open the outer transaction before a SAVEPOINT when nothing has been written yet.

    The sqlite3 module begins a transaction only before its first INSERT/UPDATE/DELETE, so a
    SAVEPOINT issued first (``session.begin_nested()`` before any write) would itself start the
    transaction, and its RELEASE would commit it: the savepoint's rows would survive a rollback of
    the outer transaction. Beginning first keeps every transaction all or nothing.
    """
    raw = conn.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        raw.execute("BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to ``engine``."""
    return sessionmaker(engine, expire_on_commit=False)


#: One lock per SQLite engine: see :func:`commit`.
_SQLITE_WRITERS: "weakref.WeakKeyDictionary[Engine, threading.Lock]" = weakref.WeakKeyDictionary()
#: Where a session keeps the write turn it took (:func:`take_write_turn`) until its transaction ends.
_TURN = "salesmind_write_turn"
#: How long a thread queues for its turn before leaving the wait to SQLite's busy handler (a
#: thread that already writes through another session would otherwise wait for itself forever).
TURN_TIMEOUT_S = 30.0


def _writer_lock(session: Session) -> threading.Lock | None:
    """The write lock of the SQLite engine ``session`` is bound to; None on PostgreSQL."""
    bind = session.get_bind()
    return _SQLITE_WRITERS.get(bind) if isinstance(bind, Engine) else None


def commit(session: Session) -> None:
    """Commit; on SQLite, threads of this process take turns to write.

    SQLite has one writer at a time, and a connection that finds the write lock taken sleeps in
    SQLite's busy handler (1, 2, 5, 10, ... up to 100 ms a time), so concurrent requests that
    each write one row at the end wait tens of milliseconds for a lock held for a fraction of
    one. Queueing them on a lock in the process hands the turn over at once. A session that has
    already written (its transaction holds SQLite's lock) commits without queueing, so no thread
    waits on the queue while holding what the thread ahead of it needs; so does one with nothing
    to write.
    """
    lock = _writer_lock(session)
    if lock is None or not session.in_transaction():
        session.commit()
        return
    raw = session.connection().connection.dbapi_connection
    if (_TURN in session.info or (raw is not None and raw.in_transaction)
            or not (session.new or session.dirty or session.deleted)):
        session.commit()  # has the turn, already holds SQLite's lock, or has nothing to write
        return
    queued = lock.acquire(timeout=TURN_TIMEOUT_S)  # past that, SQLite's busy handler decides
    try:
        session.commit()
    finally:
        if queued:
            lock.release()


def take_write_turn(session: Session) -> None:
    """On SQLite, queue for this process's write turn before ``session`` writes mid-transaction.

    For code that must flush before its transaction ends (to learn the ids it wrote, say):
    without a turn, the flush takes SQLite's write lock while other threads may hold it, and then
    sleeps in SQLite's busy handler (see :func:`commit`). The turn is the lock :func:`commit`
    queues on; it is held until the session's transaction ends (commit, rollback or close,
    whichever thread does it), so the flush and the commit are one turn. Nothing happens on
    PostgreSQL, when the session's transaction already writes, or when it already has the turn.
    """
    lock = _writer_lock(session)
    if lock is None or _TURN in session.info:
        return
    raw = session.connection().connection.dbapi_connection
    if raw is not None and raw.in_transaction:
        return  # it may hold SQLite's lock: queueing now could wait on a thread waiting for it
    if lock.acquire(timeout=TURN_TIMEOUT_S):
        session.info[_TURN] = lock


@event.listens_for(Session, "after_transaction_end")
def _end_write_turn(session: Session, transaction) -> None:  # type: ignore[no-untyped-def]
    """Hand the write turn on once the session's outermost transaction has ended."""
    if transaction.parent is None and _TURN in session.info:
        session.info.pop(_TURN).release()


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed together (see :func:`commit`), or rolled back on any error."""
    session = factory()
    try:
        yield session
        commit(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    """Alembic configuration pointing at the packaged migrations."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest migration."""
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


class Database:
    """The engine and session factory for one configured database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        self.sessions = make_session_factory(self.engine)

    def migrate(self) -> None:
        """Create or upgrade the schema."""
        migrate(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on error."""
        with transaction(self.sessions) as session:
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
