"""The discount bench's helpers: the simulator's true win curve, the slope measure, the value table."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from salesmind.demo.causal import CAUSAL, sigmoid

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository
    sys.path.insert(0, str(ROOT))

from bench.discount_demo import mean_slope, true_eta, true_p_win, value_table


def test_true_curve_follows_the_documented_steps() -> None:
    rows = pd.DataFrame({"competitor": ["Veloxa", "none"], "segment": ["enterprise", "smb"],
                         "source": ["referral", "webinar"], "stakeholders": [3.0, 9.0]})
    eta = true_eta(rows, np.array([1.0, 0.0]))
    assert eta == pytest.approx([0.35 - 0.45 - 0.15 + 0.3 + 0.3, 0.1 + 0.15 * 3])
    p = true_p_win(eta, np.array([10.0, 0.0]))
    assert p[0] == pytest.approx(sigmoid(1.2 + eta[0]) * sigmoid(-0.1 + eta[0] + 0.45))
    assert CAUSAL.deals.discount_per_point == 0.045


def test_slope_of_a_known_logistic_and_the_oracle_ceiling() -> None:
    d = np.array([0.0, 12.0, 33.0])
    assert mean_slope(lambda v: sigmoid(-1 + 0.05 * v), d) == pytest.approx(0.05)
    test = pd.DataFrame({"list_amount": [1000.0, 5000.0], "discount_pct": [5.0, 20.0]})
    grid = np.arange(0.0, 35.5, 0.5)
    rules = {name: total for name, total, _ in value_table(test, np.array([0.0, -1.0]), np.array([3.0, 8.0]), grid)}
    assert max(rules.values()) == rules["oracle (argmax of the true curve)"]
    expected = (true_p_win(np.array([0.0, -1.0]), np.zeros(2)) * test["list_amount"]).sum()
    assert rules["0% (list price)"] == pytest.approx(expected)
