"""The win/loss benchmark's helpers on a hand-made frame (the run itself needs the demo company)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd
import pytest

from salesmind.analytics.winloss_model import AdjustedModel, Coefficient

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository
    sys.path.insert(0, str(ROOT))

from bench.winloss_demo import covered, documented, errors, naive_log_odds, naive_points


def test_documented_effects_come_from_the_simulator() -> None:
    assert documented() == {"Veloxa": -0.45, "PipeIQ": -0.25, "Quotient": -0.1, "DealForge": 0.15}


def test_naive_estimates() -> None:
    deals = pd.DataFrame({"competitor": ["", "", "", "", "X", "X", "X", "X"],
                          "won": [True, True, True, False, True, False, False, False]})
    assert naive_points(deals) == {"X": pytest.approx(-50.0)}
    assert naive_log_odds(deals) == {"X": pytest.approx(math.log(1 / 3) - math.log(3))}


def test_errors_order_and_coverage() -> None:
    truth = {"A": -0.4, "B": 0.1}
    assert errors(truth, {"A": -0.3, "B": 0.0}) == (pytest.approx(0.1), True)
    assert errors(truth, {"A": 0.2, "B": 0.0})[1] is False
    model = AdjustedModel("stage", {"A": Coefficient("A", -0.35, -0.5, -0.2, 0.01),
                                    "B": Coefficient("B", 0.3, 0.2, 0.4, 0.01)})
    assert covered(truth, model) == 1
