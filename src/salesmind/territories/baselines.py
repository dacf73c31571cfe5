"""The assignments a plan is compared with: round-robin within region and a greedy heuristic.

Both keep locked accounts with their owner, give accounts only to eligible reps (same region when the plan
asks for it) and skip reps whose capacity (accounts or value) is used up; when every eligible rep is full the
account goes to the least loaded eligible one, and :func:`~salesmind.territories.evaluate.evaluate` reports
the violation. Neither looks at balance.
"""

from __future__ import annotations

import numpy as np

from salesmind.territories.problem import TerritoryProblem


def _start(problem: TerritoryProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    assign = np.full(len(problem.account_ids), -1, int)
    assign[problem.locked] = problem.current[problem.locked]
    done = assign[assign >= 0]
    count = np.bincount(done, minlength=problem.n_reps).astype(float)
    value = np.bincount(done, weights=problem.value[assign >= 0], minlength=problem.n_reps)
    return assign, count, value


def _room(problem: TerritoryProblem, reps: np.ndarray, count: np.ndarray, value: np.ndarray,
          amount: float) -> np.ndarray:
    s = problem.settings
    ok = np.ones(len(reps), bool)
    if s.capacity is not None:
        ok &= count[reps] + 1 <= s.capacity
    if s.capacity_value is not None:
        ok &= value[reps] + amount <= s.capacity_value
    return ok


def round_robin(problem: TerritoryProblem) -> np.ndarray:
    """Deal accounts (by id) to the eligible reps in turn, one cycle per region."""
    assign, count, value = _start(problem)
    eligible = problem.eligible()
    turn: dict[tuple[int, ...], int] = {}
    for a in np.argsort(problem.account_ids, kind="stable"):
        if assign[a] >= 0:
            continue
        reps = np.flatnonzero(eligible[:, problem.cell[a]])
        if not len(reps):
            continue
        key = tuple(reps)
        room = _room(problem, reps, count, value, problem.value[a])
        start = turn.get(key, 0)
        order = [(start + i) % len(reps) for i in range(len(reps))]
        pick = next((i for i in order if room[i]), None)
        if pick is None:
            pick = int(np.argmin(count[reps]))
        turn[key] = (pick + 1) % len(reps)
        r = reps[pick]
        assign[a], count[r], value[r] = r, count[r] + 1, value[r] + problem.value[a]
    return assign


def greedy(problem: TerritoryProblem) -> np.ndarray:
    """Accounts by value (largest first), each to the eligible rep with capacity left and the best expectation."""
    assign, count, value = _start(problem)
    eligible = problem.eligible()
    for a in np.argsort(-problem.value, kind="stable"):
        if assign[a] >= 0:
            continue
        reps = np.flatnonzero(eligible[:, problem.cell[a]])
        if not len(reps):
            continue
        room = _room(problem, reps, count, value, problem.value[a])
        if room.any():
            candidates = reps[room]
            r = candidates[int(np.argmax(problem.prob[candidates, problem.cell[a]]))]
        else:
            r = reps[int(np.argmin(count[reps]))]
        assign[a], count[r], value[r] = r, count[r] + 1, value[r] + problem.value[a]
    return assign
