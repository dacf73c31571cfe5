"""Make an assignment meet balance (and stay within capacity) by moving accounts between reps of a balance group.

Used only to hand the MILP a first feasible solution (the optimiser then improves it and proves the gap), so it
aims at feasibility, not value: while some rep is outside +-balance of its group's mean, move one account from
the most loaded rep to the least loaded one (or towards the rep under the floor), picking the account whose value
closes the gap best without pushing either rep past a bound. Moves within a group keep its mean fixed.
"""

from __future__ import annotations

import numpy as np

from salesmind.territories.problem import TerritoryProblem


def rebalance(problem: TerritoryProblem, assign: np.ndarray, value: np.ndarray, max_moves: int | None = None
              ) -> np.ndarray:
    """A copy of ``assign`` moved towards balance (with ``value`` per account, e.g. banded); best effort."""
    s = problem.settings
    assign = np.asarray(assign, int).copy()
    if s.balance is None:
        return assign
    eligible = problem.eligible()
    groups = problem.balance_groups()
    load = np.bincount(assign, weights=value, minlength=problem.n_reps)
    count = np.bincount(assign, minlength=problem.n_reps)
    mean = np.array([load[groups == g].mean() for g in groups])
    low, high = (1 - s.balance) * mean, (1 + s.balance) * mean
    cap = s.capacity if s.capacity is not None else np.iinfo(np.int64).max
    cap_value = s.capacity_value if s.capacity_value is not None else np.inf
    free = ~problem.locked
    for _ in range(max_moves or 4 * len(assign)):
        excess = np.maximum(load - high, 0) / np.maximum(mean, 1e-9)
        deficit = np.maximum(low - load, 0) / np.maximum(mean, 1e-9)
        if max(excess.max(), deficit.max()) <= 1e-9:
            break
        if excess.max() >= deficit.max():
            donor = int(np.argmax(excess))
            peers = np.flatnonzero((groups == groups[donor]) & (np.arange(problem.n_reps) != donor))
            receiver = int(peers[np.argmin(load[peers] - mean[peers])]) if len(peers) else -1
        else:
            receiver = int(np.argmax(deficit))
            peers = np.flatnonzero((groups == groups[receiver]) & (np.arange(problem.n_reps) != receiver))
            donor = int(peers[np.argmax(load[peers] - mean[peers])]) if len(peers) else -1
        if donor < 0 or receiver < 0 or count[receiver] + 1 > cap:
            break
        candidates = np.flatnonzero((assign == donor) & free & eligible[receiver, problem.cell])
        v = value[candidates]
        fits = (load[receiver] + v <= min(high[receiver], cap_value)) & (load[donor] - v >= low[donor])
        if not fits.any():
            fits = load[receiver] + v <= cap_value  # no move keeps both inside: take the smallest useful one
            if not fits.any():
                break
        gap = min(load[donor] - mean[donor], mean[receiver] - load[receiver])
        pick = candidates[fits][int(np.argmin(np.abs(v[fits] - max(gap, 0))))]
        assign[pick] = receiver
        load[donor] -= value[pick]
        load[receiver] += value[pick]
        count[donor] -= 1
        count[receiver] += 1
    return assign
