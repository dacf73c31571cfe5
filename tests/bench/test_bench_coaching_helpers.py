"""The rep-coaching benchmark's helpers on hand-made numbers (the full run builds the demo company)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository
    sys.path.insert(0, str(ROOT))

from bench.conversations_reps import (
    EXPECTED_SIGN,
    correlation_row,
    correlation_table,
    shuffled_skills,
    spearman,
)


def test_spearman_matches_the_textbook_example() -> None:
    # ranks (1..5) against (2, 1, 4, 3, 5): sum d^2 = 4, rho = 1 - 6 * 4 / (5 * 24) = 0.8
    assert spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)


def test_a_metric_that_follows_skill_beats_its_shuffles() -> None:
    skill = [-1.5, -1.07, -0.64, -0.21, 0.21, 0.64, 1.07, 1.5]
    shuffles = shuffled_skills(skill, n=500, seed=1)
    assert shuffles.shape == (500, 8) and sorted(shuffles[0]) == sorted(skill)
    talk = [0.67, 0.64, 0.60, 0.56, 0.54, 0.50, 0.47, 0.43]  # falls with skill
    row = correlation_row(talk, skill, shuffles)
    assert row["rho"] == -1.0 and row["p"] < 0.01 and row["low"] < 0 < row["high"]
    noise = correlation_row(list(np.random.default_rng(3).normal(size=8)), skill, shuffles)
    assert noise["p"] > 0.05


def test_call_level_rows_map_calls_to_their_rep() -> None:
    skill = [0.0, 1.0, 2.0]
    groups = [0, 0, 1, 1, 2, 2]
    row = correlation_row([1, 1, 2, 2, 3, 3], skill, shuffled_skills(skill, n=50), groups)
    assert row["rho"] == pytest.approx(1.0)


def test_table_has_a_row_per_metric_with_its_expected_sign() -> None:
    row = {"rho": -0.9, "shuffled": 0.1, "low": -0.7, "high": 0.7, "p": 0.004}
    table = correlation_table({k: row for k in EXPECTED_SIGN}, {k: row for k in EXPECTED_SIGN}, 8, 910)
    assert "| Talk ratio | − | -0.90 | +0.10 | -0.70 to +0.70 | 0.004 | -0.90 | +0.10 |" in table
    assert "| Questions per discovery call | + |" in table and "910 calls" in table
    low = correlation_table({k: {**row, "p": 0.0004} for k in EXPECTED_SIGN}, {k: row for k in EXPECTED_SIGN}, 8, 9)
    assert "| < 0.001 |" in low
