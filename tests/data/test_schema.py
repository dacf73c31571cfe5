"""The migrations build the same schema as the models, on every backend, and types round-trip."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from salesmind.core.db import Database
from salesmind.data.models import Account, Base, Opportunity


def test_migrations_match_models(database: Database) -> None:
    with database.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_migrate_twice_is_harmless(database: Database) -> None:
    database.migrate()


def test_money_is_exact_and_sums_exactly(database: Database) -> None:
    with database.transaction() as s:
        acc = Account(name="Acme")
        s.add(acc)
        s.flush()
        for amount in ("0.10", "0.20", "1234567890123.45"):
            s.add(Opportunity(name="d", stage="proposal", amount=Decimal(amount), account_id=acc.id))
    with database.transaction() as s:
        total = s.scalar(select(func.sum(Opportunity.amount)))
        amounts = sorted(s.scalars(select(Opportunity.amount)))
    assert Decimal(total) == Decimal("1234567890123.75")
    assert amounts[0] == Decimal("0.10") and isinstance(amounts[0], Decimal)


def test_times_come_back_in_utc(database: Database) -> None:
    berlin = timezone(timedelta(hours=2))
    with database.transaction() as s:
        s.add(Account(name="Zeit", created_at=datetime(2025, 6, 1, 14, 0, tzinfo=berlin)))
    with database.transaction() as s:
        created = s.scalar(select(Account.created_at))
    assert created == datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
    assert created.utcoffset() == timedelta(0)


def test_naive_times_are_refused(database: Database) -> None:
    with pytest.raises(Exception, match="naive"):
        with database.transaction() as s:
            s.add(Account(name="Naive", created_at=datetime(2025, 1, 1)))
