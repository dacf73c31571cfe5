"""Tiny hand-made territory problems and a brute-force optimum over every assignment."""

from __future__ import annotations

import itertools

import numpy as np

from salesmind.territories.evaluate import evaluate
from salesmind.territories.problem import PlanSettings, TerritoryProblem


def tiny(seed: int, settings: PlanSettings, reps: int = 3, accounts: int = 6, locked: int = 0) -> TerritoryProblem:
    """A random instance with 2 regions, a few cells, repeated values (so groups form) and owners."""
    rng = np.random.default_rng(seed)
    regions = ["NA", "EMEA"]
    cells = [(seg, "software", reg) for seg in ("smb", "enterprise") for reg in regions]
    cell = rng.integers(0, len(cells), accounts)
    value = rng.choice([100.0, 250.0, 400.0], accounts)
    rep_regions = [regions[i % 2] for i in range(reps)]
    current = rng.integers(-1, reps, accounts)
    locks = np.zeros(accounts, bool)
    owned = np.flatnonzero(current >= 0)
    locks[owned[:locked]] = True
    return TerritoryProblem(rep_ids=list(range(1, reps + 1)), rep_names=[f"rep{i}" for i in range(reps)],
                            rep_regions=rep_regions, account_ids=np.arange(100, 100 + accounts), value=value,
                            cell=cell, cells=cells, current=current, locked=locks,
                            prob=rng.uniform(0.05, 0.6, (reps, len(cells))), settings=settings)


def brute_force(problem: TerritoryProblem) -> tuple[float, np.ndarray | None]:
    """The best net objective over every feasible assignment (and one assignment reaching it)."""
    best, best_assign = -np.inf, None
    for combo in itertools.product(range(problem.n_reps), repeat=len(problem.account_ids)):
        assign = np.array(combo)
        result = evaluate(problem, assign)
        if result.feasible and result.net_objective > best + 1e-9:
            best, best_assign = result.net_objective, assign
    return best, best_assign
