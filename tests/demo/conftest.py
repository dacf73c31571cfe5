"""A small demo company built once for the module's tests, and a tiny size for repeated builds."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Iterator

import pytest

from salesmind.core.db import Database
from salesmind.core.settings import Settings
from salesmind.demo import DemoSize, DemoSummary, build_demo

AS_OF = date(2025, 6, 1)
TINY = DemoSize("tiny", leads=300, managers=2, reps=8)


def fresh_sqlite(folder: Path) -> Database:
    """A migrated, empty SQLite database in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env({"SALESMIND_HOME": str(folder), "SALESMIND_SECRET_KEY": "test",
                                  "SALESMIND_DATABASE_URL": f"sqlite:///{folder / 'demo.db'}"})
    database = Database(settings)
    database.migrate()
    return database


@pytest.fixture(scope="package")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, DemoSummary]]:
    """The small demo company (seed 42, as of 2025-06-01) on SQLite, built once."""
    database = fresh_sqlite(tmp_path_factory.mktemp("small_demo"))
    summary = build_demo(database, "small", 42, as_of=AS_OF)
    yield database, summary
    database.dispose()
