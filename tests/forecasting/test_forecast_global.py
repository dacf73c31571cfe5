"""GlobalBoostForecaster and its place in the ensemble: shared shapes, scale, no look-ahead."""

import numpy as np
import pandas as pd
import pytest

from salesmind.core.errors import NotFittedError
from salesmind.forecasting.global_model import MIN_ROWS, GlobalBoostForecaster, season_positions
from salesmind.forecasting.timeseries import GLOBAL, EnsembleForecaster

SHAPE = np.array([0.8, 0.85, 1.0, 0.9, 0.95, 1.0, 0.7, 0.75, 1.05, 1.1, 1.2, 2.0])  # a December spike


def _panel(n_series: int, length: int, seed: int, start: str = "2016-01-01") -> pd.DataFrame:
    """Series at levels 10..10,000 with one shared monthly shape and 3% noise."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range(start, periods=length, freq="MS")
    frames = []
    for i in range(n_series):
        level = 10 ** rng.uniform(1, 4)
        y = level * SHAPE[ds.month - 1] * (1 + rng.normal(0, 0.03, length))
        frames.append(pd.DataFrame({"unique_id": f"g{i}", "ds": ds, "y": y}))
    return pd.concat(frames, ignore_index=True)


def test_one_model_learns_the_shared_shape_at_every_level():
    full = _panel(60, 36, seed=0)
    is_test = full.groupby("unique_id").cumcount() >= 30
    model = GlobalBoostForecaster(horizon=6, num_boost_round=300).fit(full[~is_test])
    forecast = model.predict(full[~is_test])
    actual = full[is_test].assign(h=lambda f: f.groupby("unique_id").cumcount() + 1)
    merged = actual.merge(forecast, on=["unique_id", "h"])
    ape = (merged[GLOBAL] - merged["y"]).abs() / merged["y"]
    assert len(merged) == 60 * 6 and ape.mean() < 0.06, ape.mean()
    # the December spike (h=6 from a June cut-off) is forecast, not smoothed away
    december = merged[merged["ds"].dt.month == 12]
    assert len(december) == 60
    assert ((december[GLOBAL] - december["y"]).abs() / december["y"]).mean() < 0.08


def test_forecasts_scale_with_the_series():
    history = _panel(40, 36, seed=1)
    model = GlobalBoostForecaster(horizon=3, num_boost_round=100).fit(history)
    one = history[history["unique_id"] == "g3"]
    base = model.predict(one)[GLOBAL].to_numpy()
    scaled = model.predict(one.assign(y=one["y"] * 1000.0))[GLOBAL].to_numpy()
    np.testing.assert_allclose(scaled, 1000.0 * base, rtol=1e-6)


def test_too_few_windows_leave_it_out_of_the_ensemble():
    history = _panel(2, 30, seed=2)
    alone = GlobalBoostForecaster(horizon=3).fit(history)
    assert not alone.usable and alone.n_rows_ < MIN_ROWS
    with pytest.raises(NotFittedError):
        alone.predict(history)
    model = EnsembleForecaster(horizon=3, n_windows=2, members=("SeasonalNaive", "Naive", GLOBAL)).fit(history)
    assert all(GLOBAL not in names for names in model.members_.values())
    assert model.predict()["mean"].notna().all()


def test_ensemble_chooses_it_when_it_wins_and_bands_come_from_statistical_members():
    history = _panel(60, 40, seed=3)
    model = EnsembleForecaster(horizon=6, n_windows=2, members=("Naive", "HistoricAverage", GLOBAL)).fit(history)
    assert GLOBAL in model.members_["g0"], model.candidate_errors_
    forecast = model.predict()
    assert (forecast["lo_95"] <= forecast["lo_80"]).all() and (forecast["lo_80"] <= forecast["mean"]).all()
    assert (forecast["mean"] <= forecast["hi_80"]).all() and (forecast["hi_80"] <= forecast["hi_95"]).all()
    assert np.isfinite(forecast[["lo_80", "hi_80", "lo_95", "hi_95"]].to_numpy()).all()
    assert set(model.width_members_) <= {"Naive", "HistoricAverage"} and model.width_members_


def test_cross_validation_windows_never_see_values_after_their_cutoff():
    history = _panel(50, 40, seed=4)
    members = ("SeasonalNaive", GLOBAL)
    first = EnsembleForecaster(horizon=4, n_windows=2, members=members).fit(history).cv_forecasts_
    cutoff = first["cutoff"].min()
    changed = history.assign(y=np.where(history["ds"] > cutoff, history["y"] * 3.0, history["y"]))
    second = EnsembleForecaster(horizon=4, n_windows=2, members=members).fit(changed).cv_forecasts_
    window = first["cutoff"] == cutoff
    assert window.sum() == 50 * 4
    np.testing.assert_allclose(second.loc[second["cutoff"] == cutoff, GLOBAL].to_numpy(),
                               first.loc[window, GLOBAL].to_numpy())
    later = ~window  # the second window was learned from the changed values
    assert not np.allclose(second.loc[later.to_numpy(), GLOBAL].to_numpy(), first.loc[later, GLOBAL].to_numpy())


def test_season_positions_are_calendar_positions():
    months = pd.Series(pd.date_range("2024-01-01", periods=14, freq="MS"))
    assert list(season_positions(months, "MS", 12)) == [m - 1 for m in months.dt.month]
    quarters = pd.Series(pd.date_range("2024-01-01", periods=5, freq="QS"))
    assert list(season_positions(quarters, "QS", 4)) == [0, 1, 2, 3, 0]
    assert list(season_positions(months[:3], "X", 12)) == [0, 0, 0]
