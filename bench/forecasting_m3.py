"""M3 monthly (1,428 series, horizon 18): salesmind's history forecaster against the M3 classics.

The product path is :class:`salesmind.forecasting.timeseries.EnsembleForecaster` (behind
``salesmind forecast history``) fit on each series' training part only; the last 18 values are
the official test period. The official competition forecasts (``M3Forecast_monthly.csv.gz``) are
scored by the same code, and statsforecast's members and the classic ETS+ARIMA+Theta mean are
scored from the same run's member forecasts.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.scoring import machine
from salesmind.forecasting.timeseries import DEFAULT_MEMBERS, GLOBAL, EnsembleForecaster, seasonal_scale

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "m3"
HORIZON, SEASON = 18, 12
OFFICIAL = ("THETA", "ForecastPro", "ForcX", "COMB S-H-D", "DAMPEN", "B-J auto", "NAIVE2")
GOAL_SMAPE, GOAL_COVERAGE_GAP = 13.3, 3.0


def load_m3(data: Path = DATA) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(training history long frame, test long frame, wide source) from the M3 monthly file."""
    wide = pd.read_csv(data / "M3_monthly.csv")
    train, test = [], []
    for _, row in wide.iterrows():
        n = int(row["N"])
        values = row[[f"v{i}" for i in range(1, n + 1)]].to_numpy(float)
        start = pd.Timestamp(year=int(row["start_year"]) if row["start_year"] > 1800 else 2000,
                             month=int(row["start_month"]) if 1 <= row["start_month"] <= 12 else 1, day=1)
        ds = pd.date_range(start, periods=n, freq="MS")
        uid = str(row["series"])
        train.append(pd.DataFrame({"unique_id": uid, "ds": ds[:-HORIZON], "y": values[:-HORIZON]}))
        test.append(pd.DataFrame({"unique_id": uid, "ds": ds[-HORIZON:], "actual": values[-HORIZON:],
                                  "h": np.arange(1, HORIZON + 1)}))
    return pd.concat(train, ignore_index=True), pd.concat(test, ignore_index=True), wide


def smape(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """The M3 sMAPE terms 200|y - f| / (|y| + |f|)."""
    return 200.0 * np.abs(actual - forecast) / (np.abs(actual) + np.abs(forecast))


def scores(test: pd.DataFrame, forecast: pd.Series, scale: pd.Series) -> tuple[float, float]:
    """(sMAPE, MASE): per-series means over the horizon, then the mean over series."""
    s = pd.Series(smape(test["actual"].to_numpy(), forecast.to_numpy()), index=test.index)
    err = (test["actual"] - forecast).abs() / test["unique_id"].map(scale)
    return float(s.groupby(test["unique_id"]).mean().mean()), float(err.groupby(test["unique_id"]).mean().mean())


def mase_scale(train: pd.DataFrame) -> pd.Series:
    """Per series, the in-sample mean absolute seasonal-naive (m=12) error."""
    return train.groupby("unique_id")["y"].apply(lambda y: seasonal_scale(y.to_numpy(), SEASON))


def official_forecasts(test: pd.DataFrame, wide: pd.DataFrame) -> dict[str, pd.Series]:
    """The competition's own forecasts aligned with ``test`` rows, per method."""
    frame = pd.read_csv(DATA / "M3Forecast_monthly.csv.gz")
    out = {}
    for method in OFFICIAL:
        rows = frame[frame["method"] == method].set_index("series")
        long = rows[[f"h{i}" for i in range(1, HORIZON + 1)]].stack().rename("f").reset_index()
        long["h"] = long["level_1"].str[1:].astype(int)
        long["series"] = long["series"].astype(str)
        merged = test.merge(long[["series", "h", "f"]], left_on=["unique_id", "h"], right_on=["series", "h"],
                            how="left")
        out[method] = pd.Series(merged["f"].to_numpy(), index=test.index)
    return out


def run() -> str:
    """Run the full M3 monthly benchmark and return its markdown section."""
    train, test, wide = load_m3()
    scale = mase_scale(train)
    start = time.perf_counter()
    model = EnsembleForecaster(freq="MS", season_length=SEASON, horizon=HORIZON, n_windows=2, n_jobs=2)
    forecast = model.fit(train).predict()
    seconds = time.perf_counter() - start
    merged = test.merge(forecast, on=["unique_id", "ds"], how="left")
    members = model.member_forecasts_.merge(test, on=["unique_id", "ds"], how="right")
    rows: list[tuple[str, float, float]] = []
    s, m = scores(test, merged["mean"], scale)
    rows.append(("**salesmind EnsembleForecaster**", s, m))
    for name in DEFAULT_MEMBERS:
        label = ("salesmind GlobalBoost, one LightGBM across the series" if name == GLOBAL
                 else f"statsforecast {name}")
        rows.append((f"{label} (same run)", *scores(test, members[name], scale)))
    classic = members[["AutoETS", "AutoARIMA", "AutoTheta"]].mean(axis=1)
    rows.append(("mean of AutoETS+AutoARIMA+AutoTheta (same run)", *scores(test, classic, scale)))
    for method, values in official_forecasts(test, wide).items():
        rows.append((f"M3 official: {method}", *scores(test, values, scale)))
    coverage = {lv: float(((merged["actual"] >= merged[f"lo_{lv}"]) & (merged["actual"] <= merged[f"hi_{lv}"])).mean())
                for lv in (80, 95)}
    met = s < GOAL_SMAPE and all(abs(100 * coverage[lv] - lv) <= GOAL_COVERAGE_GAP for lv in coverage)
    chosen = model.members_[train["unique_id"].iloc[0]]
    best = sorted(model.candidate_errors_.items(), key=lambda kv: kv[1])[:5]
    lines = [
        "## M3 monthly forecasting (`python -m bench forecasting_m3`)", "",
        f"Machine: {machine()}.", "",
        "Method: each of the 1,428 monthly series is cut before its last 18 values (the official test",
        "period); `EnsembleForecaster(freq='MS', season_length=12, horizon=18, n_windows=2, n_jobs=2)` is",
        "fit on the training parts only (member choice and interval calibration by rolling-origin",
        "cross-validation inside them; the global LightGBM member is learned from all 1,428 training",
        "parts at once, and again from the series cut at each cross-validation origin). sMAPE is the M3 definition (mean over h=1..18 of",
        "200|y-f|/(|y|+|f|), then the mean over series); MASE scales by the in-sample seasonal-naive",
        "(m=12) error. The official forecasts come from `M3Forecast_monthly.csv.gz`, scored by the same code.", "",
        "| forecast | sMAPE | MASE |", "|---|---|---|",
        *[f"| {name} | {s_:.2f} | {m_:.3f} |" for name, s_, m_ in rows], "",
        f"Members chosen by cross-validation: {model.combiner_} of {', '.join(chosen)}. "
        "Best candidates (mean scaled CV error): "
        + "; ".join(f"{k} {v:.4f}" for k, v in best) + ".", "",
        "Interval coverage on the 25,704 test values: "
        + ", ".join(f"{lv}%: {100 * coverage[lv]:.1f}% (cross-validation {100 * model.coverage_cv_.get(lv, float('nan')):.1f}%, "
                    f"{'conformal, factor %.2f' % model.conformal_factors_[lv] if lv in model.conformal_factors_ else 'models own'})"
                    for lv in (80, 95)) + ".", "",
        f"Full run (fit, cross-validation and forecast of 1,428 series): {seconds:.0f} s on this machine.", "",
        f"Goal (sMAPE below {GOAL_SMAPE} and both intervals within {GOAL_COVERAGE_GAP:.0f} points of nominal): "
        f"**{'met' if met else 'not met'}**: sMAPE {s:.2f}, coverage "
        + ", ".join(f"{100 * coverage[lv]:.1f}% for {lv}%" for lv in (80, 95)) + ".",
    ]
    return "\n".join(lines)
