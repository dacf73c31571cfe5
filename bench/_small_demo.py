"""The small demo company built into a temporary folder, for benchmarks that run on it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from salesmind.core.db import Database
from salesmind.core.settings import Settings
from salesmind.demo import build_demo


def small_demo(folder: str | Path, as_of: datetime, seed: int = 42) -> Database:
    """A migrated SQLite database in ``folder`` holding the small demo company as of ``as_of``."""
    settings = Settings.from_env({"SALESMIND_HOME": str(folder), "SALESMIND_DATABASE_URL":
                                  f"sqlite:///{Path(folder) / 'demo.db'}", "SALESMIND_SECRET_KEY": "bench"})
    database = Database(settings)
    database.migrate()
    build_demo(database, "small", seed=seed, as_of=as_of)
    return database
