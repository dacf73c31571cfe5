"""The small demo company, built once per test module, for the CRM scoring tests."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from salesmind.core.db import Database
from salesmind.core.settings import Settings
from salesmind.demo import build_demo

AS_OF = datetime(2025, 6, 1, tzinfo=timezone.utc)
FAST = {"n_jobs": 1, "tune": False}


def demo_settings(folder: Path) -> Settings:
    """Settings for a SQLite file in ``folder``."""
    return Settings.from_env({"SALESMIND_HOME": str(folder), "SALESMIND_DATABASE_URL":
                              f"sqlite:///{folder / 'demo.db'}", "SALESMIND_SECRET_KEY": "test-secret"})


def build_small_demo(folder: Path) -> Database:
    """A migrated SQLite database holding the small demo company as of AS_OF."""
    folder.mkdir(parents=True, exist_ok=True)
    database = Database(demo_settings(folder))
    database.migrate()
    build_demo(database, "small", seed=42, as_of=AS_OF)
    return database
