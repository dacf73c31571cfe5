"""Accuracy tracking: actuals filled for ended periods, MAPE / bias / coverage per run and rolling."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import pytest

from salesmind.core.db import Database
from salesmind.forecasting.accuracy import (accuracy_report, fill_actuals, rolling_accuracy, score_points,
                                            won_between)
from salesmind.forecasting.service import run_history_forecast, run_pipeline_forecast
from salesmind.forecasting.store import run_points

from forecast_world import NOW, MeanForecaster, seed_world


def test_score_points_by_hand() -> None:
    frame = pd.DataFrame({"mean": [110.0, 90.0, 50.0, 10.0], "actual": [100.0, 100.0, 0.0, None],
                          "lo_80": [105, 80, 40, 0], "hi_80": [115, 95, 60, 20],
                          "lo_95": [95, 70, 10, 0], "hi_95": [125, 105, 70, 20]})
    acc = score_points(frame)
    assert acc.n == 3
    assert acc.mape == pytest.approx((0.1 + 0.1) / 2)  # the zero actual has no percentage error
    assert acc.bias == pytest.approx((10 - 10 + 50) / 200)
    assert acc.coverage_80 == pytest.approx(0.0)
    assert acc.coverage_95 == pytest.approx(2 / 3)
    assert score_points(frame.iloc[3:]).n == 0


def test_rolling_pools_the_last_runs() -> None:
    frame = pd.DataFrame({"run_id": [1, 2, 3], "kind": "history",
                          "as_of": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]),
                          "mean": [110.0, 100.0, 150.0], "actual": [100.0, 100.0, 100.0],
                          "lo_80": [0, 0, 0], "hi_80": [200, 200, 90], "lo_95": [0, 0, 0], "hi_95": [200, 200, 200]})
    rolling = rolling_accuracy(frame, window=2)
    assert rolling["mape"].tolist() == pytest.approx([0.1, 0.05, 0.25])
    assert rolling["coverage_80"].tolist() == pytest.approx([1.0, 1.0, 0.5])


def test_actuals_are_filled_once_periods_end(database: Database) -> None:
    seed_world(database, with_keys=False)
    march = datetime(2025, 3, 1, 12, tzinfo=timezone.utc)
    history = run_history_forecast(database, as_of=march, freq="month", horizon=3, forecaster=MeanForecaster("MS", 3))
    pipeline = run_pipeline_forecast(database, as_of=datetime(2025, 5, 2, tzinfo=timezone.utc), period="month",
                                     n_simulations=1000)
    current = run_pipeline_forecast(database, as_of=NOW, n_simulations=1000)
    with database.transaction() as s:
        assert fill_actuals(s, NOW) == 4  # March, April and May of the history run, and May's pipeline run
    with database.transaction() as s:
        points = run_points(s, history.id)
        may = run_points(s, pipeline.id)[0]
        assert run_points(s, current.id)[0].actual is None  # the quarter has not ended
        assert [p.ds for p in points] == [date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)]
        assert float(may.actual) == pytest.approx(won_between(s, date(2025, 5, 1), date(2025, 5, 31)))
        assert float(points[2].actual) == float(may.actual)  # the same bookings, seen by both kinds of run
        report = accuracy_report(s)
    assert report["overall"]["n"] == 4 and report["pending_points"] == 1
    assert [r["run_id"] for r in report["runs"]] == [history.id, pipeline.id]
    errors = [abs(p.mean - float(p.actual)) / float(p.actual) for p in points] + \
             [abs(may.mean - float(may.actual)) / float(may.actual)]
    assert report["overall"]["mape"] == pytest.approx(sum(errors) / 4)
