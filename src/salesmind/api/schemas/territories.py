"""Territory plans: the settings a plan is solved with, a plan, and its per-account moves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from salesmind.api.schemas.common import Input, Public, RecordId, SafeText
from salesmind.territories.problem import DEFAULT_BALANCE, DEFAULT_MOVE_COST, PlanSettings


class PlanCreate(Input):
    """Constraints for a new plan over the caller's reps and accounts (the defaults are the page's and the CLI's)."""

    name: SafeText | None = Field(None, max_length=200)
    capacity: int | None = Field(None, ge=1, le=1_000_000, description="most accounts per rep")
    capacity_value: float | None = Field(None, gt=0, le=1e15, description="most total account value per rep")
    balance: float | None = Field(DEFAULT_BALANCE, ge=0, le=10,
                                  description="each rep's value within +-balance of the mean (null: no balance)")
    same_region: bool = True
    move_cost: float = Field(DEFAULT_MOVE_COST, ge=0, le=1,
                             description="a move must gain more than this share of the value")
    lock_late_stage: bool = True
    locked_account_ids: list[RecordId] = Field(default_factory=list, max_length=100_000)
    value_bands: int = Field(0, ge=0, le=1000, description="0 = exact values; n = n value bands per cell")
    time_limit: float = Field(60.0, gt=0, le=600)

    def settings(self) -> PlanSettings:
        """The service settings."""
        data = self.model_dump(exclude={"name"})
        data["locked_account_ids"] = tuple(data["locked_account_ids"])
        return PlanSettings(**data)


class PlanPublic(Public):
    """A plan with its objective against the current owners, round-robin and greedy."""

    id: int
    name: str
    status: str
    created_at: datetime
    created_by_id: int | None
    settings: dict[str, Any] | None
    solver: str
    solve_seconds: float
    accounts: int
    moves: int
    objective: float = Field(description="expected won revenue of the plan")
    current_objective: float | None
    round_robin_objective: float | None
    greedy_objective: float | None
    summary: dict[str, Any] | None
    applied_at: datetime | None
    applied_by_id: int | None


class MovePublic(Public):
    """One account's row in a plan."""

    account_id: int
    from_owner_id: int | None
    to_owner_id: int | None
    moved: bool
    expected_value: float
    current_expected_value: float | None
    reason: dict[str, Any] | None


class PlanDetail(PlanPublic):
    """A plan with its rows (the moves only, unless every row is asked for)."""

    rows: list[MovePublic]
