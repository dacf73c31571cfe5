"""Helpers for importer tests: the fixture files, table counts, and a database with reps and accounts."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from salesmind.core.db import Database
from salesmind.data.models import Base
from salesmind.ingest import import_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"


def table_counts(database: Database) -> dict[str, int]:
    """Rows in every table (to prove that a failed import changed nothing)."""
    with database.transaction() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) or 0
                for t in Base.metadata.sorted_tables}


@pytest.fixture
def fixtures() -> Path:
    """The folder of export files in real Salesforce and HubSpot formats."""
    return FIXTURES


@pytest.fixture
def crm(database: Database) -> Database:
    """A database holding the Salesforce reps and accounts of the fixtures."""
    import_file(database, FIXTURES / "sf_users.csv", None)
    import_file(database, FIXTURES / "sf_accounts.csv", None)
    return database


@pytest.fixture
def counts():  # type: ignore[no-untyped-def]
    """The :func:`table_counts` helper."""
    return table_counts

