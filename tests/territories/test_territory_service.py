"""The plan service on a small company: stored rows, locks, scope, apply (all-or-nothing, stale refused), discard."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from territory_world import build_territory_world

from salesmind.core.db import Database
from salesmind.core.errors import NotFound, UserInputError
from salesmind.data.models import Account, User
from salesmind.data.scope import Scope
from salesmind.territories import service
from salesmind.territories.problem import PlanSettings


def _scope(s, user_id: int) -> Scope:  # type: ignore[no-untyped-def]
    return Scope.for_user(s, s.get(User, user_id))


def test_plan_stores_every_account_with_reasons_and_baselines(sqlite_database: Database) -> None:
    world = build_territory_world(sqlite_database)
    with sqlite_database.sessions() as s:
        plan = service.plan(s, Scope.everything(), PlanSettings(move_cost=0.0))
        rows = service.plan_assignments(s, plan.id)
        assert plan.accounts == len(rows) == 16
        assert plan.moves == sum(r.moved for r in rows) > 0
        assert plan.objective >= plan.current_objective
        assert plan.objective >= plan.round_robin_objective and plan.objective >= plan.greedy_objective
        locked = next(r for r in rows if r.account_id == world.locked_account)
        assert not locked.moved and locked.reason["locked"] and "negotiation" in locked.reason["locked_why"]
        regions = {u.id: u.territory.region for u in s.scalars(select(User)) if u.territory}
        assert all(regions[r.to_owner_id] == r.reason["region"] for r in rows)  # same-region by default
        moved = next(r for r in rows if r.moved)
        assert moved.reason["gain"] == pytest.approx(moved.expected_value - moved.current_expected_value, abs=0.02)
        assert moved.reason["to_rate"]["segment_deals"] >= 0 and moved.reason["text"].startswith("Moves")
        assert plan.summary["status"] == "optimal" and plan.summary["exact"]


def test_apply_moves_owners_once_and_refuses_stale_plans(sqlite_database: Database) -> None:
    world = build_territory_world(sqlite_database)
    with sqlite_database.sessions() as s:
        first = service.plan(s, Scope.everything(), PlanSettings())
        second = service.plan(s, Scope.everything(), PlanSettings())
        admin = s.get(User, world.users["admin"])
        applied = service.apply_plan(s, Scope.everything(), first.id, admin)
        assert applied.status == "applied" and applied.applied_by_id == admin.id and applied.applied_at
        for row in service.plan_assignments(s, first.id):
            assert s.get(Account, row.account_id).owner_id == row.to_owner_id
        with pytest.raises(UserInputError, match="only a draft"):
            service.apply_plan(s, Scope.everything(), first.id, admin)
        with pytest.raises(UserInputError, match="changed owner"):  # owners moved since the second was made
            service.apply_plan(s, Scope.everything(), second.id, admin)
        assert service.discard_plan(s, Scope.everything(), second.id).status == "discarded"


def test_managers_plan_their_team_and_cannot_see_other_teams_plans(sqlite_database: Database) -> None:
    world = build_territory_world(sqlite_database)
    with sqlite_database.sessions() as s:
        boss = _scope(s, world.users["boss"])
        plan = service.plan(s, boss, PlanSettings(), user=s.get(User, world.users["boss"]))
        rows = service.plan_assignments(s, plan.id)
        east = {world.users["ann"], world.users["amy"]}
        assert len(rows) == 8 and {r.to_owner_id for r in rows} <= east
        assert [p.id for p in service.list_plans(s, boss)] == [plan.id]
        with pytest.raises(NotFound):
            service.get_plan(s, _scope(s, world.users["other_boss"]), plan.id)
        assert plan.id in [p.id for p in service.list_plans(s, Scope.everything())]


def test_infeasible_settings_say_which_constraint(sqlite_database: Database) -> None:
    build_territory_world(sqlite_database)
    with sqlite_database.sessions() as s:
        with pytest.raises(UserInputError, match="capacity"):
            service.plan(s, Scope.everything(), PlanSettings(capacity=2))
        with pytest.raises(UserInputError, match="balance"):
            service.plan(s, Scope.everything(), PlanSettings(balance=0.0, same_region=False))
