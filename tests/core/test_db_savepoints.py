"""A transaction whose first write sits in a savepoint is still all or nothing (SQLite's driver once
committed such a savepoint on its own)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from salesmind.core.db import Database
from salesmind.data.models import Suppression


class Boom(Exception):
    pass


def _count(database: Database) -> int:
    with database.transaction() as s:
        return int(s.scalar(select(func.count(Suppression.id))) or 0)


def test_a_savepoint_first_is_rolled_back_with_its_transaction(database: Database) -> None:
    with pytest.raises(Boom), database.transaction() as s:
        with s.begin_nested():
            s.add(Suppression(email_hash="a" * 64, reason="manual"))
        raise Boom
    assert _count(database) == 0


def test_a_savepoint_first_commits_with_its_transaction(database: Database) -> None:
    with database.transaction() as s:
        with s.begin_nested():
            s.add(Suppression(email_hash="b" * 64, reason="manual"))
        s.add(Suppression(email_hash="c" * 64, reason="manual"))
    assert _count(database) == 2
