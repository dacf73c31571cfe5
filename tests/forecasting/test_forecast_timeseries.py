"""EnsembleForecaster: member choice by rolling-origin CV, interval coverage, short series, bad input."""

import numpy as np
import pandas as pd
import pytest

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.forecasting.timeseries import EnsembleForecaster, seasonal_scale

FAST = ("AutoTheta", "SeasonalNaive", "Naive")


def _series(uid: str, values: np.ndarray, start: str = "2015-01-01") -> pd.DataFrame:
    return pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=len(values), freq="MS"),
                         "y": values})


def _seasonal_noise(n_series: int, length: int, sd: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pattern = 100 + 30 * np.sin(2 * np.pi * np.arange(length) / 12)
    return pd.concat([_series(f"s{i}", pattern + rng.normal(0, sd, length)) for i in range(n_series)],
                     ignore_index=True)


def test_pure_seasonal_series_choose_seasonal_members_and_forecast_the_pattern():
    history = _seasonal_noise(6, 60, 0.5, seed=0)
    model = EnsembleForecaster(horizon=6, n_windows=2, members=FAST).fit(history)
    assert "Naive" not in model.members_["s0"]  # a non-seasonal member would be far off
    forecast = model.predict()
    truth = 100 + 30 * np.sin(2 * np.pi * np.arange(60, 66) / 12)
    assert np.abs(forecast[forecast.unique_id == "s0"]["mean"].to_numpy() - truth).max() < 3
    assert set(forecast.columns) >= {"unique_id", "ds", "mean", "lo_80", "hi_80", "lo_95", "hi_95", "members"}


def test_intervals_cover_new_values_near_their_nominal_level():
    rng = np.random.default_rng(1)
    n_series, length, horizon = 40, 60, 6
    full = _seasonal_noise(n_series, length + horizon, 5.0, seed=2)
    full["y"] += np.repeat(rng.normal(0, 1, n_series), length + horizon)
    is_test = full.groupby("unique_id").cumcount() >= length
    model = EnsembleForecaster(horizon=horizon, n_windows=2, members=FAST).fit(full[~is_test])
    merged = model.predict().merge(full[is_test], on=["unique_id", "ds"])
    for level in (80, 95):
        covered = ((merged["y"] >= merged[f"lo_{level}"]) & (merged["y"] <= merged[f"hi_{level}"])).mean()
        assert abs(covered - level / 100) < 0.08, (level, covered)
    assert set(model.coverage_cv_) == {80, 95}


def test_off_intervals_are_made_conformal():
    # Heavy-tailed noise: the members' Gaussian intervals are off, so the ensemble widens them.
    rng = np.random.default_rng(3)
    history = pd.concat([_series(f"t{i}", 50 + rng.standard_t(1.5, 60) * 3) for i in range(30)], ignore_index=True)
    model = EnsembleForecaster(horizon=6, n_windows=3, members=("Naive", "HistoricAverage")).fit(history)
    methods = set(model.interval_method_.values())
    assert model.conformal_factors_, model.coverage_cv_
    assert all("conformal" in m for m in methods)
    for level, covered in model.coverage_cv_.items():
        if level in model.conformal_factors_:
            assert abs(covered - level / 100) > model.coverage_tolerance


def test_short_series_and_zeros_get_forecasts_without_negative_values():
    history = pd.concat([_series("one", np.array([5.0])), _series("three", np.array([0.0, 4.0, 0.0])),
                         _series("ten", np.r_[np.zeros(5), np.ones(5) * 3])], ignore_index=True)
    forecast = EnsembleForecaster(horizon=3, members=FAST).fit(history).predict()
    assert len(forecast) == 9
    assert (forecast[["mean", "lo_80", "lo_95"]] >= 0).all().all()
    assert (forecast["hi_95"] >= forecast["hi_80"]).all() and (forecast["hi_80"] >= forecast["mean"]).all()
    assert forecast.loc[forecast.unique_id == "one", "hi_95"].iloc[0] > 5.0  # not a zero-width interval


@pytest.mark.parametrize("bad, message", [
    (pd.DataFrame({"unique_id": ["a"], "ds": ["2020-01-01"]}), "lacks column"),
    (pd.DataFrame({"unique_id": ["a"], "ds": ["2020-01-01"], "y": ["ten"]}), "not a number"),
    (pd.DataFrame({"unique_id": ["a", "a"], "ds": ["2020-01-01"] * 2, "y": [1, 2]}), "duplicate"),
])
def test_bad_history_is_a_clear_user_error(bad, message):
    with pytest.raises(UserInputError, match=message):
        EnsembleForecaster(members=FAST).fit(bad)


def test_predict_before_fit_is_refused():
    with pytest.raises(NotFittedError):
        EnsembleForecaster().predict()


def test_seasonal_scale_falls_back_when_a_series_is_flat_or_short():
    assert seasonal_scale(np.arange(30, dtype=float), 12) == 12.0
    assert seasonal_scale(np.array([2.0, 4.0]), 12) == 2.0
    assert seasonal_scale(np.zeros(5), 12) == 1.0
