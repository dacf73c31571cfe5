"""Helpers of the territory benchmark: the seeded synthetic company and the same-run comparison."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository
    sys.path.insert(0, str(ROOT))

from bench.territories_assign import compare, synthetic_company

from salesmind.territories.problem import PlanSettings


def test_synthetic_company_is_seeded_and_regional() -> None:
    a, truth = synthetic_company(reps=8, accounts=300, seed=3)
    b, _ = synthetic_company(reps=8, accounts=300, seed=3)
    assert np.array_equal(a.value, b.value) and np.array_equal(a.current, b.current)
    assert truth.shape == a.prob.shape and np.all((truth > 0) & (truth < 1))
    regions = np.array(a.rep_regions)[a.current]
    assert all(regions[i] == a.cells[a.cell[i]][2] for i in range(len(regions)))  # owners are in-region


def test_compare_puts_the_optimum_first_and_at_least_as_good_as_feasible_baselines() -> None:
    problem, truth = synthetic_company(reps=8, accounts=300, seed=1,
                                       settings=PlanSettings(capacity=60, balance=0.5, move_cost=0.02))
    frame, info = compare(problem, truth)
    assert list(frame["method"]) == ["MILP (HiGHS)", "current owners", "round-robin (region)", "greedy"]
    best = frame.iloc[0]
    assert best["feasible"] and info["status"] == "optimal"
    for row in frame.iloc[1:].itertuples():
        if row.feasible:
            assert best["net_of_move_cost"] >= row.net_of_move_cost - 1e-6
