"""History forecasts: statsforecast models combined per series by rolling-origin cross-validation.

How :class:`EnsembleForecaster` works (every choice is made on the history only):

1. **Members.** Each series of at least two seasons is forecast by statsforecast's AutoETS,
   AutoARIMA, AutoTheta, DynamicOptimizedTheta, AutoCES and SeasonalNaive (``members=``).
2. **Rolling origin.** ``n_windows`` forecasts of ``horizon`` steps are made from the last
   ``n_windows`` origins (``step = horizon``) of the history (fewer steps for a series too short
   to keep two seasons before its first origin); each member's error in a series
   is its mean absolute error over those windows, scaled by the series' in-sample seasonal naive
   error (the MASE scale), so series of any size weigh alike.
3. **Ensemble.** Every subset of the members, combined by the mean (and, from three members, by
   the median), is scored by its mean scaled cross-validation error over all series; the best
   subset and combiner are used for every series (one choice pooled over series is far less
   noisy than a per-series pick from a few windows); with fewer than ``MIN_CV_POINTS`` errors in
   all, every member is averaged instead. ``members_`` names them per series,
   ``candidate_errors_`` holds every candidate's score.
4. **Intervals.** The ensemble's 80%/95% bounds are the means of its members' bounds. Their
   coverage is measured on the cross-validation windows; when it is off by more than
   ``coverage_tolerance`` (3 points), the interval is made conformal: half-widths are rescaled
   by the empirical quantile of the normalised residual ``|y - mean| / half-width`` in the
   windows (split-conformal with a scale, pooled over series; only when the windows hold enough
   residuals for a finite quantile: 4 for 80%, 19 for 95%; :mod:`salesmind.forecasting.intervals`).
   ``interval_method_`` says which.
5. **Short series** (too short for seasonality and cross-validation) get the mean of Naive,
   HistoricAverage and a non-seasonal ETS (or HistoricAverage alone below 4 points), with the
   models' own intervals; a series of one point gets a heuristic interval (±100% per z unit).

Non-negative histories (bookings) have their forecasts and bounds clipped at zero.
Scale-out: per-series work runs in ``n_jobs`` processes, or on a Dask cluster when
``dask_client`` is given (:mod:`salesmind.forecasting.distributed`); both give the same numbers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

import numpy as np
import pandas as pd

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.forecasting.intervals import calibrate_level

DEFAULT_MEMBERS = ("AutoETS", "AutoARIMA", "AutoTheta", "DynamicOptimizedTheta", "AutoCES",
                   "SeasonalNaive")
SHORT_MEMBERS = ("Naive", "HistoricAverage", "SES")
#: Fewer cross-validation errors than this (over all series) and no choice is made: every member
#: is averaged (choosing among 63 candidates on a handful of errors would fit noise).
MIN_CV_POINTS = 24
_Z = {80: 1.2815515655446004, 95: 1.959963984540054}

Runner = Callable[[Callable[[pd.DataFrame], pd.DataFrame], pd.DataFrame], pd.DataFrame]


def make_models(names: tuple[str, ...] | list[str], season_length: int) -> list[Any]:
    """statsforecast model objects for ``names`` (each aliased by its name)."""
    from statsforecast import models as m

    factories: dict[str, Callable[[], Any]] = {
        "AutoETS": lambda: m.AutoETS(season_length=season_length, alias="AutoETS"),
        "AutoARIMA": lambda: m.AutoARIMA(season_length=season_length, alias="AutoARIMA"),
        "AutoTheta": lambda: m.AutoTheta(season_length=season_length, alias="AutoTheta"),
        "DynamicOptimizedTheta": lambda: m.DynamicOptimizedTheta(season_length=season_length,
                                                                 alias="DynamicOptimizedTheta"),
        "AutoCES": lambda: m.AutoCES(season_length=season_length, alias="AutoCES"),
        "SeasonalNaive": lambda: m.SeasonalNaive(season_length=season_length, alias="SeasonalNaive"),
        "Naive": lambda: m.Naive(alias="Naive"),
        "HistoricAverage": lambda: m.HistoricAverage(alias="HistoricAverage"),
        "SES": lambda: m.AutoETS(season_length=1, model="ANN", alias="SES"),
    }
    unknown = [n for n in names if n not in factories]
    if unknown:
        raise UserInputError(f"unknown forecasting model(s) {unknown}; known: {sorted(factories)}")
    return [factories[n]() for n in names]


def check_history(history: pd.DataFrame) -> pd.DataFrame:
    """A clean copy of a long history frame (unique_id, ds, y), or a clear error."""
    if not isinstance(history, pd.DataFrame):
        raise UserInputError(f"expected a pandas DataFrame, got {type(history).__name__}")
    missing = [c for c in ("unique_id", "ds", "y") if c not in history.columns]
    if missing:
        raise UserInputError(f"history lacks column(s) {missing}; expected unique_id, ds, y")
    frame = history[["unique_id", "ds", "y"]].copy()
    y = pd.to_numeric(frame["y"], errors="coerce")
    bad = y.isna() & frame["y"].notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise UserInputError(f"history row {row}: y value {frame['y'].iloc[row]!r} is not a number")
    if y.isna().any():
        raise UserInputError(f"history has {int(y.isna().sum())} missing y values; fill them (e.g. 0)")
    try:
        ds = pd.to_datetime(frame["ds"])
    except (ValueError, TypeError) as exc:
        raise UserInputError(f"history ds column is not dates: {exc}") from None
    if ds.dt.tz is not None:
        ds = ds.dt.tz_localize(None)
    frame = frame.assign(unique_id=frame["unique_id"].astype(str), ds=ds, y=y.astype(float))
    if frame.duplicated(["unique_id", "ds"]).any():
        raise UserInputError("history has duplicate (unique_id, ds) rows; aggregate them first")
    if frame.empty:
        raise UserInputError("history is empty")
    return frame.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)


def seasonal_scale(y: np.ndarray, season_length: int) -> float:
    """In-sample mean absolute seasonal-naive error (MASE denominator), with safe fallbacks."""
    for lag in (season_length, 1):
        if len(y) > lag:
            scale = float(np.mean(np.abs(y[lag:] - y[:-lag])))
            if scale > 0:
                return scale
    scale = float(np.mean(np.abs(y))) if len(y) else 0.0
    return scale if scale > 0 else 1.0


def _run_here(task: Callable[[pd.DataFrame], pd.DataFrame], frame: pd.DataFrame) -> pd.DataFrame:
    """Run ``task`` on all series in this process (statsforecast spreads it over ``n_jobs``)."""
    return task(frame)


class EnsembleForecaster:
    """statsforecast members combined per series by rolling-origin CV, with checked intervals."""

    def __init__(self, freq: str = "MS", season_length: int = 12, horizon: int = 3,
                 levels: tuple[int, ...] = (80, 95), n_windows: int = 3, n_jobs: int = 1,
                 dask_client: object | None = None,
                 members: tuple[str, ...] = DEFAULT_MEMBERS,
                 coverage_tolerance: float = 0.03) -> None:
        self.freq = freq
        self.season_length = season_length
        self.horizon = horizon
        self.levels = levels
        self.n_windows = n_windows
        self.n_jobs = n_jobs
        self.dask_client = dask_client
        self.members = members
        self.coverage_tolerance = coverage_tolerance

    # -- fitting ----------------------------------------------------------------------------------
    def fit(self, history: pd.DataFrame) -> EnsembleForecaster:
        """Choose members and interval method from ``history`` and forecast ``horizon`` periods."""
        if self.horizon < 1:
            raise UserInputError("horizon must be at least 1")
        if any(level not in _Z for level in self.levels):
            raise UserInputError(f"levels must be among {sorted(_Z)}")
        frame = check_history(history)
        lengths = frame.groupby("unique_id").size()
        long_ids = lengths.index[lengths >= 2 * self.season_length + 2]
        long = frame[frame["unique_id"].isin(long_ids)]
        short = frame[~frame["unique_id"].isin(long_ids)]
        self.members_: dict[str, list[str]] = {}
        self.interval_method_: dict[str, str] = {}
        self.conformal_factors_: dict[int, float] = {}
        self.coverage_cv_: dict[int, float] = {}
        self.cv_errors_ = pd.DataFrame(columns=["unique_id", "model", "scaled_error"])
        self.combiner_ = "mean"
        parts = []
        if len(long):
            parts.append(self._fit_long(long))
        if len(short):
            parts.append(self._fit_short(short))
        forecast = pd.concat(parts, ignore_index=True)
        nonneg = frame.groupby("unique_id")["y"].min() >= 0
        clip = forecast["unique_id"].map(nonneg).fillna(False).to_numpy(bool)
        value_columns = ["mean"] + [f"{side}_{lv}" for lv in self.levels for side in ("lo", "hi")]
        forecast.loc[clip, value_columns] = forecast.loc[clip, value_columns].clip(lower=0.0)
        forecast["members"] = forecast["unique_id"].map(lambda u: "+".join(self.members_[u]))
        self.forecast_ = forecast.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
        return self

    def predict(self) -> pd.DataFrame:
        """unique_id, ds, mean, lo_/hi_ per level, members: the forecast made by :meth:`fit`."""
        if not hasattr(self, "forecast_"):
            raise NotFittedError("EnsembleForecaster is not fitted yet: call fit() first")
        return self.forecast_.copy()

    def _runner(self) -> Runner:
        if self.dask_client is not None:
            from salesmind.forecasting.distributed import dask_runner

            return dask_runner(self.dask_client)
        return _run_here

    def _fit_long(self, long: pd.DataFrame) -> pd.DataFrame:
        names, horizon, windows = list(self.members), self.horizon, self.n_windows
        season = self.season_length
        jobs = 1 if self.dask_client is not None else self.n_jobs
        task = partial(StatsTask, names, season, self.freq, jobs, list(self.levels))
        run = self._runner()
        lengths = long.groupby("unique_id").size()
        cv_h = ((lengths - (2 * season + 2)) // windows).clip(upper=horizon)
        cv_parts = []
        for h in sorted(set(cv_h[cv_h >= 1])):
            ids = cv_h.index[cv_h == h]
            cv_parts.append(run(task(int(h), windows), long[long["unique_id"].isin(ids)]))
        fc = run(task(horizon, 0), long)
        scales = long.groupby("unique_id")["y"].apply(lambda s: seasonal_scale(s.to_numpy(), season))
        if not cv_parts:  # no series long enough to cross-validate: all members, models' intervals
            for uid in lengths.index:
                self.members_[str(uid)] = list(names)
                self.interval_method_[str(uid)] = "no cross-validation possible: models' own intervals"
                self.combiner_ = "mean"
            return self._combine(fc)
        cv = pd.concat(cv_parts, ignore_index=True)
        cv["unique_id"] = cv["unique_id"].astype(str)
        errors = {n: (cv[n] - cv["y"]).abs().groupby(cv["unique_id"]).mean() / scales for n in names}
        table = pd.DataFrame(errors).dropna(how="all").fillna(np.inf)  # series x member scaled error
        self.cv_errors_ = (table.rename_axis("unique_id").reset_index()
                           .melt(id_vars="unique_id", var_name="model", value_name="scaled_error"))
        self.candidate_errors_: dict[str, float] = {}
        best: tuple[float, tuple[str, ...], str] | None = None
        for size in range(1, len(names) + 1):
            for subset in itertools.combinations(names, size):
                for how in (("mean",) if size < 3 else ("mean", "median")):
                    combined = _combine_columns(cv, list(subset), how)
                    err = (combined - cv["y"]).abs().groupby(cv["unique_id"]).mean() / scales
                    score = float(err.replace([np.inf], np.nan).mean())
                    self.candidate_errors_[f"{how}({'+'.join(subset)})"] = score
                    if best is None or score < best[0] - 1e-12:
                        best = (score, subset, how)
        assert best is not None
        _, subset, self.combiner_ = best
        if len(cv) < MIN_CV_POINTS:  # too few errors to choose among candidates: keep them all
            subset, self.combiner_ = tuple(names), "mean"
        for uid in lengths.index:
            self.members_[str(uid)] = list(subset)
        chosen_cv = cv["unique_id"].map(lambda u: self.members_[u])
        cv_mean = _combine_columns(cv, list(subset), self.combiner_)
        methods = {}
        for level in self.levels:
            lo = _row_mean(cv, chosen_cv, f"-lo-{level}")
            hi = _row_mean(cv, chosen_cv, f"-hi-{level}")
            result = calibrate_level(cv["y"].to_numpy(), cv_mean, lo, hi, level, self.coverage_tolerance)
            self.coverage_cv_[level] = result.coverage
            if result.method == "conformal":
                self.conformal_factors_[level] = result.factor
            methods[level] = result.method
        label = ", ".join(f"{lv}%: {methods[lv]}" for lv in self.levels)
        for uid in lengths.index:
            self.interval_method_[str(uid)] = label
        return self._combine(fc)

    def _combine(self, fc: pd.DataFrame) -> pd.DataFrame:
        """The chosen members' mean and bounds (rescaled where conformal) from member forecasts."""
        fc = fc.assign(unique_id=fc["unique_id"].astype(str))
        self.member_forecasts_ = fc  # every member's own forecast, for comparison and audit
        chosen = fc["unique_id"].map(lambda u: self.members_[u])
        out = pd.DataFrame({"unique_id": fc["unique_id"].to_numpy(), "ds": fc["ds"].to_numpy()})
        out["mean"] = _row_mean(fc, chosen, "")
        if getattr(self, "combiner_", "mean") == "median":
            out["mean"] = fc[self.members_[out["unique_id"].iloc[0]]].median(axis=1).to_numpy()
        for level in self.levels:
            lo, hi = _row_mean(fc, chosen, f"-lo-{level}"), _row_mean(fc, chosen, f"-hi-{level}")
            factor = self.conformal_factors_.get(level, 1.0)
            out[f"lo_{level}"] = out["mean"] - factor * (out["mean"] - lo)
            out[f"hi_{level}"] = out["mean"] + factor * (hi - out["mean"])
        return out

    def _fit_short(self, short: pd.DataFrame) -> pd.DataFrame:
        from statsforecast import StatsForecast

        lengths = short.groupby("unique_id").size()
        parts = []
        for names, ids in ((list(SHORT_MEMBERS), lengths.index[lengths >= 4]),
                           (["HistoricAverage"], lengths.index[lengths < 4])):
            if len(ids) == 0:
                continue
            chunk = short[short["unique_id"].isin(ids)]
            sf = StatsForecast(models=make_models(names, 1), freq=self.freq, n_jobs=1,
                               fallback_model=make_models(["Naive"], 1)[0])
            fc = sf.forecast(df=chunk, h=self.horizon, level=list(self.levels))
            out = pd.DataFrame({"unique_id": fc["unique_id"].astype(str).to_numpy(), "ds": fc["ds"].to_numpy()})
            out["mean"] = fc[names].mean(axis=1).to_numpy()
            heuristic = np.zeros(len(out), bool)
            for level in self.levels:
                lo = fc[[f"{n}-lo-{level}" for n in names]].mean(axis=1).to_numpy()
                hi = fc[[f"{n}-hi-{level}" for n in names]].mean(axis=1).to_numpy()
                missing = ~np.isfinite(lo) | ~np.isfinite(hi) | (hi - lo <= 0)
                width = _Z[level] * np.abs(out["mean"].to_numpy())
                lo = np.where(missing, out["mean"] - width, lo)
                hi = np.where(missing, out["mean"] + width, hi)
                heuristic |= missing
                out[f"lo_{level}"], out[f"hi_{level}"] = lo, hi
            for uid in ids:
                self.members_[str(uid)] = names
            rough = set(out.loc[heuristic, "unique_id"])
            for uid in ids:
                self.interval_method_[str(uid)] = ("too short: heuristic interval" if str(uid) in rough
                                                   else "short series: models' own intervals")
            parts.append(out)
        return pd.concat(parts, ignore_index=True)


@dataclass(frozen=True)
class StatsTask:
    """One statsforecast job on a chunk of series (picklable, so Dask workers can run it).

    ``n_windows == 0`` forecasts ``h`` steps; otherwise it cross-validates ``n_windows`` origins.
    """

    names: list[str]
    season_length: int
    freq: str
    n_jobs: int
    levels: list[int]
    h: int
    n_windows: int

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        from statsforecast import StatsForecast

        sf = StatsForecast(models=make_models(self.names, self.season_length), freq=self.freq,
                           n_jobs=self.n_jobs, fallback_model=make_models(["Naive"], 1)[0])
        if self.n_windows == 0:
            return sf.forecast(df=chunk, h=self.h, level=self.levels)
        return sf.cross_validation(df=chunk, h=self.h, n_windows=self.n_windows, step_size=self.h,
                                   level=self.levels)


def _row_mean(frame: pd.DataFrame, chosen: pd.Series, suffix: str) -> np.ndarray:
    """Per row, the mean of the columns ``<member><suffix>`` of that row's chosen members."""
    names = sorted({n for row in chosen for n in row})
    values = np.column_stack([frame[f"{n}{suffix}"].to_numpy(float) for n in names])
    mask = np.zeros_like(values, dtype=bool)
    position = {n: j for j, n in enumerate(names)}
    for i, row in enumerate(chosen):
        for n in row:
            mask[i, position[n]] = True
    total = np.where(mask, values, 0.0).sum(axis=1)
    return total / mask.sum(axis=1)


def _combine_columns(frame: pd.DataFrame, names: list[str], how: str) -> np.ndarray:
    """The mean or median of the member columns ``names`` in every row."""
    values = frame[names].to_numpy(float)
    return np.median(values, axis=1) if how == "median" else values.mean(axis=1)

