"""Helpers of bench/deal_health_demo.py on tiny frames with known answers."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from salesmind.deals.health import FLAG_CODES

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository
    sys.path.insert(0, str(ROOT))

from bench.deal_health_demo import auc, fitted_auc, flag_lifts, monthly_dates  # noqa: E402


def test_monthly_dates_are_first_days_before_the_month() -> None:
    got = monthly_dates(datetime(2026, 1, 15, tzinfo=timezone.utc), 3)
    assert [d.date().isoformat() for d in got] == ["2025-10-01", "2025-11-01", "2025-12-01"]
    assert all(d.tzinfo is not None for d in got)


def test_auc_counts_unknown_as_most_risky() -> None:
    lost = pd.Series([1, 1, 0, 0])
    assert auc(lost, pd.Series([3.0, 4.0, 1.0, 2.0])) == 1.0
    assert auc(lost, pd.Series([np.nan, 0.5, 1.0, 0.0])) == pytest.approx(0.75)  # NaN ranks above all


def test_flag_lifts() -> None:
    frame = pd.DataFrame({"lost": [1, 1, 0, 0, 1, 0]} | {c: [False] * 6 for c in FLAG_CODES})
    frame["no_next_step"] = [True, True, True, False, False, False]  # 2/3 lost with, 1/3 without
    row = flag_lifts(frame).set_index("flag").loc["no_next_step"]
    assert (row["share"], row["loss_with"], row["loss_without"], row["lift"]) == pytest.approx((0.5, 2 / 3, 1 / 3, 2.0))
    assert np.isnan(flag_lifts(frame).set_index("flag").loc["single_threaded", "loss_with"])


def test_fitted_auc_on_a_separable_signal() -> None:
    rng = np.random.default_rng(0)
    lost = rng.integers(0, 2, 60)
    frame = pd.DataFrame({"lost": lost, "opportunity_id": np.arange(60) // 2, "x": lost + rng.normal(0, 0.1, 60),
                          "noise": rng.normal(0, 1, 60)})
    assert fitted_auc(frame, ["x"]) > 0.95
    assert fitted_auc(frame, ["noise"]) < 0.8
