"""The account assignment problem: reps, accounts, win probabilities and the constraints a plan must meet.

Expected won revenue of giving account ``a`` to rep ``r`` is ``value[a] * prob[r, cell[a]]``: the account's
expected deal value (its open pipeline, or the average closed deal of its segment when it has none) times the
rep's shrunk win probability in the account's (segment, industry, region) cell (:mod:`.winrates`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from salesmind.core.errors import UserInputError

#: The planner's defaults (page, CLI and API): each rep within +-30% of the mean value, and a move must gain
#: more than 5% of the account's value, so a plan neither piles accounts on the best rep nor churns owners.
DEFAULT_BALANCE, DEFAULT_MOVE_COST = 0.3, 0.05


@dataclass(frozen=True)
class PlanSettings:
    """The constraints and solver options of one plan (every field is settable from the CLI, API and page).

    ``capacity``: most accounts per rep; ``capacity_value``: most total account value per rep; ``balance``: each
    rep's assigned value within +-balance of the mean (of the rep's region when ``same_region``); ``move_cost``: a
    move must gain more than this share of the account's value; ``lock_late_stage``: accounts with an open deal in
    a late stage keep their owner; ``value_bands``: 0 keeps values exact, n > 0 rounds values to n quantile bands
    per cell so more accounts are interchangeable (faster, approximate).
    """

    capacity: int | None = None
    capacity_value: float | None = None
    balance: float | None = None
    same_region: bool = True
    move_cost: float = 0.0
    lock_late_stage: bool = True
    locked_account_ids: tuple[int, ...] = ()
    value_bands: int = 0
    time_limit: float = 60.0
    mip_gap: float = 1e-4

    def __post_init__(self) -> None:
        if self.capacity is not None and self.capacity <= 0:
            raise UserInputError(f"capacity must be a positive number of accounts per rep (got {self.capacity})")
        if self.capacity_value is not None and not self.capacity_value > 0:
            raise UserInputError(f"capacity_value must be a positive value per rep (got {self.capacity_value})")
        if self.balance is not None and not 0 <= self.balance <= 10:
            raise UserInputError(f"balance must be a tolerance between 0 and 10 (0.2 = +-20% of the mean); "
                                 f"got {self.balance}")
        if not 0 <= self.move_cost <= 1:
            raise UserInputError(f"move_cost must be a share of account value between 0 and 1 (got {self.move_cost})")
        if not 0 <= self.value_bands <= 1000:
            raise UserInputError(f"value_bands must be between 0 (exact values) and 1000 (got {self.value_bands})")
        if not 0 < self.time_limit <= 3600:
            raise UserInputError(f"time_limit must be between 0 and 3600 seconds (got {self.time_limit})")
        if not 0 <= self.mip_gap < 1:
            raise UserInputError(f"mip_gap must be in [0, 1) (got {self.mip_gap})")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready settings (stored on the plan)."""
        data = asdict(self)
        data["locked_account_ids"] = list(self.locked_account_ids)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanSettings:
        """Settings back from :meth:`to_dict` (unknown keys ignored)."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "locked_account_ids" in known:
            known["locked_account_ids"] = tuple(int(i) for i in known["locked_account_ids"])
        return cls(**known)


@dataclass
class TerritoryProblem:
    """Reps x accounts with values, cells, current owners, locks and the (reps x cells) win probabilities.

    ``current[a]`` is the index of the account's current owner among the reps, or -1 (unowned / owner not in
    the plan); ``region`` of a rep or a cell may be None (matches every region).
    """

    rep_ids: list[int]
    rep_names: list[str]
    rep_regions: list[str | None]
    account_ids: np.ndarray
    value: np.ndarray
    cell: np.ndarray
    cells: list[tuple[str, str, str]]
    current: np.ndarray
    locked: np.ndarray
    prob: np.ndarray
    settings: PlanSettings = field(default_factory=PlanSettings)
    account_names: list[str] | None = None

    def __post_init__(self) -> None:
        n = len(self.account_ids)
        self.value = np.asarray(self.value, float)
        self.cell = np.asarray(self.cell, int)
        self.current = np.asarray(self.current, int)
        self.locked = np.asarray(self.locked, bool)
        self.prob = np.asarray(self.prob, float)
        if not (len(self.value) == len(self.cell) == len(self.current) == len(self.locked) == n):
            raise ValueError("account arrays must have one entry per account")
        if self.prob.shape != (len(self.rep_ids), len(self.cells)):
            raise ValueError("prob must be (reps x cells)")
        if not self.rep_ids:
            raise UserInputError("no reps to assign accounts to (the plan needs at least one active rep in scope)")
        if np.any(self.locked & (self.current < 0)):
            raise UserInputError("a locked account has no current owner among the plan's reps")

    @property
    def n_reps(self) -> int:
        """Number of reps."""
        return len(self.rep_ids)

    def eligible(self) -> np.ndarray:
        """(reps x cells) bool: may the rep take accounts of the cell (region match when ``same_region``)."""
        if not self.settings.same_region:
            return np.ones((self.n_reps, len(self.cells)), bool)
        reps = np.array([r or "" for r in self.rep_regions], dtype=object)[:, None]
        cell_regions = np.array([c[2] or "" for c in self.cells], dtype=object)[None, :]
        return (reps == cell_regions) | (reps == "") | (cell_regions == "") | (cell_regions == "unknown")

    def balance_groups(self) -> np.ndarray:
        """Group index per rep for the balance mean: the rep's region when ``same_region``, else one group."""
        if not self.settings.same_region:
            return np.zeros(self.n_reps, int)
        names = sorted({r or "" for r in self.rep_regions})
        return np.array([names.index(r or "") for r in self.rep_regions], int)

    def expected(self, assign: np.ndarray) -> np.ndarray:
        """Expected won revenue per account under an assignment (0 where unassigned)."""
        assign = np.asarray(assign, int)
        out = np.zeros(len(assign))
        ok = assign >= 0
        out[ok] = self.value[ok] * self.prob[assign[ok], self.cell[ok]]
        return out
