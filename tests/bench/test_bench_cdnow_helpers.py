"""Helpers of the CDNOW lifetime-value benchmark: the naive baseline, error measures, simulation, reading."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository
    sys.path.insert(0, str(ROOT))

from bench.customers_cdnow import (
    best_time,
    errors,
    log_likelihood,
    naive_holdout,
    read_sample,
    simulated_customers,
)

from salesmind.customers.btyd import BetaGeoModel


def test_naive_baseline_keeps_the_calibration_rate():
    summary = pd.DataFrame({"frequency": [0, 3, 6], "T": [10.0, 30.0, 0.0], "duration_holdout": [39.0] * 3})
    np.testing.assert_allclose(naive_holdout(summary), [0.0, 3.9, 0.0])  # T = 0: no rate yet


def test_errors_are_total_mae_and_rmse():
    got = errors(np.array([0.0, 2.0, 4.0]), np.array([1.0, 2.0, 1.0]))
    assert got == {"total": 4.0, "MAE": pytest.approx(4 / 3), "RMSE": pytest.approx(np.sqrt(10 / 3))}


def test_simulated_customers_are_day_granular_and_consistent():
    data = simulated_customers(np.array([0.5, 4.0, 0.8, 2.5]), 5000, seed=1)
    days = np.round(data[["recency", "T"]].to_numpy() * 7)
    np.testing.assert_allclose(data[["recency", "T"]].to_numpy() * 7, days, atol=1e-9)
    assert data["T"].between(27, 39).all() and (data["recency"] <= data["T"]).all()
    assert ((data["frequency"] == 0) == (data["recency"] == 0)).all()


def test_log_likelihood_of_the_fitted_parameters_is_the_models_own():
    data = simulated_customers(np.array([0.5, 4.0, 0.8, 2.5]), 3000, seed=2)
    model = BetaGeoModel().fit(data["frequency"], data["recency"], data["T"])
    assert log_likelihood(model.params_.to_numpy(), data) == pytest.approx(model.log_likelihood_)
    assert log_likelihood(np.array([0.5, 4.0, 0.8, 3.0]), data) < model.log_likelihood_


def test_best_time_returns_the_fastest_run_and_the_result():
    seconds, result = best_time(lambda: 42, repeat=3)
    assert result == 42 and 0 <= seconds < 1


def test_read_sample_names_the_columns(tmp_path: Path):
    path = tmp_path / "sample.txt"
    path.write_text(" 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n")
    frame = read_sample(path)
    assert list(frame.columns) == ["master_id", "id", "date", "cds", "dollars"]
    assert frame["dollars"].tolist() == [29.33, 29.73] and frame["id"].tolist() == [1, 1]
