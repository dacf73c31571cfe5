"""Coaching over the database: top performer by win rate, a rep's report with moments, and who sees what."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from salesmind.conversations.coaching_views import load_call_facts, rep_coaching, team_coaching
from salesmind.core.db import Database
from salesmind.core.errors import NotFound
from salesmind.data.models import User
from salesmind.data.scope import Scope

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coaching_world import seed_coaching


def scope_of(session, user_id: int) -> Scope:  # type: ignore[no-untyped-def]
    return Scope.for_user(session, session.get(User, user_id))


def test_team_and_report(database: Database) -> None:
    world = seed_coaching(database)
    with database.transaction() as s:
        facts = load_call_facts(s)
        assert len(facts) == 12 and all(f.discovery for f in facts) and all(f.next_step for f in facts)
        team = team_coaching(s, Scope.everything())
        assert [r.name for r in team.reps] == ["Bob Kim", "Ann Lee"] and team.top_count == 1
        bob, ann = team.reps
        assert bob.is_top and not ann.is_top and bob.win.rate == 0.8 and ann.win.won == 2
        assert ann.metric("talk_ratio").rep.mean == pytest.approx(sum((0.70, 0.72, 0.75, 0.78, 0.80, 0.74)) * 60 / 6 / 62
                                                                  + 2 / 62 * 1, rel=1e-6)
        assert ann.metric("talk_ratio").verdict == "work_on" and ann.work_on[0].moments == ()
        assert bob.metric("talk_ratio").verdict == "too_few_calls"  # no other top performer to compare with
        assert [i.metric for i in bob.work_on] == ["rep_questions"]  # 6 a call: below Gong's 11, the reference speaks
        report = rep_coaching(s, Scope.everything(), world.users["ann"])
        item = next(i for i in report.work_on if i.metric == "talk_ratio")
        assert len(item.moments) == 3 and item.moments[0].at_seconds == 0.0
        assert item.moments[0].title.startswith("acme call") and item.moments[0].quote.startswith("We help teams")


def test_scope(database: Database) -> None:
    world = seed_coaching(database)
    with database.transaction() as s:
        ann, bob, boss = world.users["ann"], world.users["bob"], world.users["boss"]
        assert [r.user_id for r in team_coaching(s, scope_of(s, ann)).reps] == [ann]
        assert [r.user_id for r in team_coaching(s, scope_of(s, boss)).reps] == [ann]
        assert team_coaching(s, scope_of(s, ann)).top_count == 1  # still coached against Bob
        with pytest.raises(NotFound):
            rep_coaching(s, scope_of(s, ann), bob)
        with pytest.raises(NotFound):
            rep_coaching(s, Scope.everything(), boss)  # no calls
        assert rep_coaching(s, scope_of(s, boss), ann).user_id == ann
