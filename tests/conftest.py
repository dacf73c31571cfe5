"""Shared fixtures: a fresh, migrated database per test on SQLite and (when available) PostgreSQL."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import text

from salesmind.core.db import Database
from salesmind.core.settings import Settings

PG_URL_ENV = "SALESMIND_TEST_POSTGRES_URL"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _postgres_url() -> str | None:
    url = os.environ.get(PG_URL_ENV)
    if not url and os.environ.get("CI"):
        raise RuntimeError(f"CI must test PostgreSQL: {PG_URL_ENV} is not set (see .ci/run)")
    return url


@pytest.fixture(autouse=True)
def _fresh_analytics_cache() -> Iterator[None]:
    """Each test starts with an empty manager-analytics cache (its keys hold a database URL and row counts, which
    two tests' databases can share)."""
    from salesmind.analytics.cache import CACHE

    CACHE.clear()
    yield


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A private SALESMIND_HOME for one test."""
    path = tmp_path / "home"
    path.mkdir()
    return path


def _settings(home: Path, url: str) -> Settings:
    return Settings.from_env({"SALESMIND_HOME": str(home), "SALESMIND_DATABASE_URL": url,
                              "SALESMIND_SECRET_KEY": "test-secret"})


@pytest.fixture
def sqlite_settings(home: Path) -> Settings:
    """Settings for a fresh SQLite file."""
    return _settings(home, f"sqlite:///{home / 'test.db'}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, home: Path) -> Iterator[Settings]:
    """Settings for a fresh, empty database: SQLite, and PostgreSQL when a server is configured."""
    if request.param == "sqlite":
        yield _settings(home, f"sqlite:///{home / 'test.db'}")
        return
    base = _postgres_url()
    if not base:
        pytest.skip(f"{PG_URL_ENV} not set: PostgreSQL tests skipped (make test starts a server)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = Database(_settings(home, base))
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    yield _settings(home, f"{base}{sep}options=-csearch_path%3D{schema}")
    with admin.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    """A migrated, empty database (parametrised over SQLite and PostgreSQL)."""
    db = Database(settings)
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture
def sqlite_database(sqlite_settings: Settings) -> Iterator[Database]:
    """A migrated, empty SQLite database, for tests that need only one backend."""
    db = Database(sqlite_settings)
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture
def shared_data() -> Path:
    """The folder of real public data sets (skips when absent)."""
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data not present")
    return SHARED_DATA
