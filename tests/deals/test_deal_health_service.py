"""The refresh job: idempotent per as-of, alerts to the owner and their manager once, re-armed when cleared."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from salesmind.core.db import Database
from salesmind.core.errors import NotFound, UserInputError
from salesmind.data.models import DealHealth, Notification, User
from salesmind.data.scope import Scope
from salesmind.deals import (
    HealthConfig,
    deal_health,
    list_notifications,
    mark_read,
    refresh_deal_health,
    risk_list,
    unread_count,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deal_health_world import AS_OF, DealWorld, seed_deals  # noqa: E402


@pytest.fixture
def world(database: Database) -> DealWorld:
    return seed_deals(database)


def _notes(database: Database) -> list[tuple[int, str]]:
    with database.transaction() as s:
        return sorted((n.user_id, n.dedupe_key) for n in s.scalars(select(Notification)))


def test_refresh_is_idempotent_and_alerts_owner_and_manager_once(database: Database, world: DealWorld) -> None:
    summary = refresh_deal_health(database, AS_OF)
    assert summary.deals == 2 and summary.grades == {"critical": 1, "healthy": 1}
    sick = world.deals["sick"]
    # high flags of the sick deal (late stage: single-threaded, champion silent, no next step are high too)
    high = {"late_stage_no_pricing", "close_date_pushed", "single_threaded", "champion_silent", "no_next_step",
            "critical"}
    expected = sorted((u, f"deal-health:{sick}:{code}") for u in (world.users["ann"], world.users["boss"])
                      for code in high)
    assert _notes(database) == expected and summary.notifications == len(expected)
    again = refresh_deal_health(database, AS_OF)
    assert again.notifications == 0 and _notes(database) == expected
    with database.transaction() as s:
        assert s.scalar(select(func.count(DealHealth.id))) == 2
        texts = " ".join(n.title + (n.body or "") for n in s.scalars(select(Notification)))
    assert "Acme platform: close date pushed 3 times" in texts
    for name in ("Carla", "Dan", "carla@", "dan@"):  # no personal data in alerts
        assert name not in texts


def test_cleared_flag_is_announced_again_when_it_returns(database: Database, world: DealWorld) -> None:
    refresh_deal_health(database, AS_OF)
    lenient = HealthConfig(pushes=5)
    refresh_deal_health(database, AS_OF + timedelta(hours=1), lenient)  # close_date_pushed clears
    assert refresh_deal_health(database, AS_OF + timedelta(hours=2)).notifications == 2  # back: owner + manager
    with database.transaction() as s:
        keys = [n.dedupe_key for n in s.scalars(select(Notification).where(Notification.user_id == world.users["ann"]))]
    assert sum(k.startswith(f"deal-health:{world.deals['sick']}:close_date_pushed") for k in keys) == 2


def test_list_and_mark_read(database: Database, world: DealWorld) -> None:
    refresh_deal_health(database, AS_OF)
    with database.transaction() as s:
        ann = world.users["ann"]
        notes = list_notifications(s, ann)
        assert unread_count(s, ann) == len(notes) == 6
        mark_read(s, ann, notes[0].id)
        assert unread_count(s, ann) == 5 and len(list_notifications(s, ann, unread_only=True)) == 5
        with pytest.raises(NotFound):
            mark_read(s, world.users["bob"], notes[1].id)
        assert list_notifications(s, world.users["bob"]) == []


def test_views_are_scoped(database: Database, world: DealWorld) -> None:
    refresh_deal_health(database, AS_OF - timedelta(days=10))
    refresh_deal_health(database, AS_OF)
    with database.transaction() as s:
        scope = {n: Scope.for_user(s, s.get(User, world.users[n])) for n in ("ann", "bob", "boss")}
        assert [r.opportunity_id for r in risk_list(s, Scope.everything())] == [world.deals["sick"], world.deals["fine"]]
        top = risk_list(s, Scope.everything())[0]
        assert (top.score, top.grade, top.risk) == (0.0, "critical", 100000.0)
        assert [r.name for r in risk_list(s, scope["bob"])] == ["Beta pilot"]
        assert [r.name for r in risk_list(s, scope["boss"])] == ["Acme platform"]
        assert [r.name for r in risk_list(s, Scope.everything(), flag="no_next_step")] == ["Acme platform"]
        assert [r.name for r in risk_list(s, Scope.everything(), grade="healthy")] == ["Beta pilot"]
        assert [r.name for r in risk_list(s, Scope.everything(), owner_email="BOB@c.io")] == ["Beta pilot"]
        with pytest.raises(UserInputError, match="unknown flag"):
            risk_list(s, Scope.everything(), flag="nope")
        panel = deal_health(s, scope["ann"], world.deals["sick"])
        assert panel is not None and [p.as_of for p in panel.history] == [AS_OF - timedelta(days=10), AS_OF]
        assert [p["source"] for p in panel.sentiment] == ["call", "email", "call"]
        with pytest.raises(NotFound):
            deal_health(s, scope["bob"], world.deals["sick"])


def test_naive_as_of_is_refused(database: Database, world: DealWorld) -> None:
    with pytest.raises(UserInputError, match="time zone"):
        refresh_deal_health(database, AS_OF.replace(tzinfo=None))
