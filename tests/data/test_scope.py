"""A rep sees their own book, a manager their teams', an admin everything."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from salesmind.core.db import Database
from salesmind.core.errors import NotFound
from salesmind.data.models import Lead, Role, Team, User
from salesmind.data.records import get_record, list_records
from salesmind.data.scope import Scope


@pytest.fixture
def book(database: Database) -> dict[str, int]:
    with database.transaction() as s:
        boss = User(email="boss@x.io", name="Boss", role=Role.MANAGER)
        other_boss = User(email="other@x.io", name="Other", role=Role.MANAGER)
        admin = User(email="admin@x.io", name="Admin", role=Role.ADMIN)
        s.add_all([boss, other_boss, admin])
        s.flush()
        team = Team(name="East", manager_id=boss.id)
        team2 = Team(name="West", manager_id=other_boss.id)
        s.add_all([team, team2])
        s.flush()
        ann = User(email="ann@x.io", name="Ann", role=Role.REP, team_id=team.id)
        bob = User(email="bob@x.io", name="Bob", role=Role.REP, team_id=team2.id)
        s.add_all([ann, bob])
        s.flush()
        s.add_all([Lead(email="l1@c.io", owner_id=ann.id), Lead(email="l2@c.io", owner_id=bob.id),
                   Lead(email="l3@c.io", owner_id=None)])
        s.flush()
        ids = {u.email.split("@")[0]: u.id for u in (boss, admin, ann, bob)}
        ids.update({ld.email.split("@")[0]: ld.id for ld in s.scalars(select(Lead))})
    return ids


def _emails(database: Database, who: int) -> set[str]:
    with database.transaction() as s:
        scope = Scope.for_user(s, s.get(User, who))
        return {ld.email for ld in list_records(s, scope, "lead")}


def test_rep_sees_own_book(database: Database, book: dict[str, int]) -> None:
    assert _emails(database, book["ann"]) == {"l1@c.io"}


def test_manager_sees_team(database: Database, book: dict[str, int]) -> None:
    assert _emails(database, book["boss"]) == {"l1@c.io"}


def test_admin_sees_all(database: Database, book: dict[str, int]) -> None:
    assert _emails(database, book["admin"]) == {"l1@c.io", "l2@c.io", "l3@c.io"}


def test_rep_cannot_get_another_reps_record(database: Database, book: dict[str, int]) -> None:
    with database.transaction() as s:
        scope = Scope.for_user(s, s.get(User, book["ann"]))
        assert get_record(s, scope, "lead", book["l1"]).email == "l1@c.io"
        with pytest.raises(NotFound):
            get_record(s, scope, "lead", book["l2"])
        with pytest.raises(NotFound):
            get_record(s, scope, "lead", book["l3"])
