"""Bulk writing for the simulator: explicit ids, Core executemany, sequences, reset and hashing."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, func, insert, select, text, update

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.data.models import Base

#: Rows per executemany batch: large enough to be fast, small enough to bound memory.
BATCH = 5000
#: Columns left out of the content hash because they are random by design (Argon2 salts).
UNHASHED = frozenset({"password_hash"})


class IdAllocator:
    """Hands out consecutive primary keys per table, so rows can refer to each other before insert."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def take(self, table: str, count: int) -> np.ndarray:
        """Reserve ``count`` ids for ``table`` and return them."""
        start = self._next.get(table, 1)
        self._next[table] = start + count
        return np.arange(start, start + count, dtype=np.int64)

    def next(self, table: str) -> int:
        """Reserve one id for ``table``."""
        value = self._next.get(table, 1)
        self._next[table] = value + 1
        return value

    def used(self, table: str) -> int:
        """How many ids of ``table`` were handed out."""
        return self._next.get(table, 1) - 1


def rows(columns: dict[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Turn equal-length columns into the list of dicts ``executemany`` wants (numpy scalars made plain)."""
    names = list(columns)
    values = [_plain(columns[n]) for n in names]
    return [dict(zip(names, vals)) for vals in zip(*values)]


def _plain(values: Sequence[Any]) -> list[Any]:
    if isinstance(values, np.ndarray) and values.dtype != object:
        return values.tolist()
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def write(conn: Connection, table: Table, records: list[dict[str, Any]]) -> int:
    """Insert ``records`` into ``table`` in batches; returns the number written."""
    for start in range(0, len(records), BATCH):
        conn.execute(insert(table), records[start:start + BATCH])
    return len(records)


class Clock:
    """Turns simulation time (float days since ``origin``) into UTC datetimes and dates."""

    def __init__(self, origin: datetime) -> None:
        self.origin = pd.Timestamp(origin)

    def times(self, days: np.ndarray) -> np.ndarray:
        """Timezone-aware datetimes, rounded to the second, for an array of day offsets."""
        seconds = np.round(np.asarray(days, dtype=float) * 86400.0).astype(np.int64)
        stamps = self.origin + pd.to_timedelta(seconds, unit="s")
        return np.asarray(stamps.to_pydatetime(), dtype=object)

    def time(self, day: float) -> datetime:
        """One datetime for one day offset."""
        return self.times(np.array([day]))[0]

    def dates(self, days: np.ndarray) -> list[date]:
        """Calendar dates (UTC) for an array of day offsets."""
        return [t.date() for t in self.times(days)]


def ensure_empty(database: Database) -> None:
    """Refuse to build into a database that already holds users or leads."""
    tables = Base.metadata.tables
    with database.engine.connect() as conn:
        for name in ("users", "leads", "accounts"):
            count = conn.execute(select(func.count()).select_from(tables[name])).scalar_one()
            if count:
                raise UserInputError(
                    f"the database already has {count} {name}: run `salesmind demo --reset` "
                    "to empty it first (this deletes every record)")


def reset_database(database: Database) -> None:
    """Delete every row of every CRM table (the schema stays)."""
    tables = Base.metadata.sorted_tables
    with database.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        for table in tables:  # break the reference cycles first (teams <-> users, leads -> deals)
            for constraint in table.foreign_key_constraints:
                if constraint.use_alter or any(fk.use_alter for fk in constraint.elements):
                    cols = {c.name: None for c in constraint.columns}
                    conn.execute(update(table).values(**cols))
        for table in reversed(tables):
            conn.execute(table.delete())


def sync_sequences(database: Database) -> None:
    """After inserting explicit ids on PostgreSQL, move each id sequence past the largest id."""
    if database.engine.dialect.name != "postgresql":
        return
    with database.engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            if "id" not in table.c:
                continue
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"))


def content_hash(database: Database, tables: Iterable[str] | None = None) -> str:
    """SHA-256 over every row of every table, ordered by id (password hashes left out)."""
    digest = hashlib.sha256()
    chosen = set(tables) if tables is not None else None
    with database.engine.connect() as conn:
        for table in sorted(Base.metadata.sorted_tables, key=lambda t: t.name):
            if chosen is not None and table.name not in chosen:
                continue
            cols = [c for c in table.c if c.name not in UNHASHED]
            order = table.c.id if "id" in table.c else cols[0]
            digest.update(table.name.encode())
            for row in conn.execute(select(*cols).order_by(order)):
                digest.update(json.dumps([_canonical(v) for v in row], default=str).encode())
    return digest.hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    return getattr(value, "value", value)
