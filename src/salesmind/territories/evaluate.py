"""Score any assignment of a :class:`TerritoryProblem`: objective, moves, per-rep load and constraint violations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from salesmind.territories.problem import TerritoryProblem

TOLERANCE = 1e-6


@dataclass(frozen=True)
class Evaluation:
    """How an assignment does: expected won revenue, the same minus move costs, moves and violations."""

    objective: float
    net_objective: float
    moves: int
    load_count: np.ndarray
    load_value: np.ndarray
    capacity_violations: int
    balance_violations: int
    region_violations: int
    lock_violations: int
    unassigned: int

    @property
    def feasible(self) -> bool:
        """True when every constraint of the problem holds."""
        return not (self.capacity_violations or self.balance_violations or self.region_violations
                    or self.lock_violations or self.unassigned)


def balance_bounds(problem: TerritoryProblem, load_value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per rep, the lowest and highest assigned value balance allows (+-tolerance of its group's mean)."""
    groups = problem.balance_groups()
    means = np.array([load_value[groups == g].mean() for g in groups])
    b = problem.settings.balance or 0.0
    return (1 - b) * means, (1 + b) * means


def evaluate(problem: TerritoryProblem, assign: np.ndarray) -> Evaluation:
    """Evaluate ``assign`` (rep index per account, -1 for none) against the problem's constraints."""
    assign = np.asarray(assign, int)
    s = problem.settings
    ok = assign >= 0
    objective = float(problem.expected(assign).sum())
    moved = ok & (problem.current >= 0) & (assign != problem.current)
    net = objective - s.move_cost * float(problem.value[moved].sum())
    count = np.bincount(assign[ok], minlength=problem.n_reps)
    value = np.bincount(assign[ok], weights=problem.value[ok], minlength=problem.n_reps)
    cap = 0
    if s.capacity is not None:
        cap += int(np.sum(count > s.capacity))
    if s.capacity_value is not None:
        cap += int(np.sum(value > s.capacity_value * (1 + TOLERANCE) + TOLERANCE))
    bal = 0
    if s.balance is not None:
        low, high = balance_bounds(problem, value)
        slack = TOLERANCE * max(1.0, float(value.max(initial=0.0)))
        bal = int(np.sum((value < low - slack) | (value > high + slack)))
    eligible = problem.eligible()
    region = int(np.sum(ok & ~eligible[np.where(ok, assign, 0), problem.cell] & ~problem.locked))
    locks = int(np.sum(problem.locked & (assign != problem.current)))
    return Evaluation(objective, net, int(moved.sum()), count, value, cap, bal, region, locks, int((~ok).sum()))
