"""History forecasts: statsforecast models combined per series by rolling-origin cross-validation.

How :class:`EnsembleForecaster` works (every choice is made on the history only):

1. **Members.** Each series of at least two seasons is forecast by statsforecast's AutoETS,
   AutoARIMA, AutoTheta, DynamicOptimizedTheta, AutoCES and SeasonalNaive, and by one LightGBM
   model learned across all the series (``GlobalBoost``,
   :mod:`salesmind.forecasting.global_model`; only when the series hold at least
   ``global_model.MIN_ROWS`` training rows) (``members=``).
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
   ``candidate_errors_`` holds every candidate's score, ``cv_forecasts_`` every member's
   forecasts in the windows.
4. **Intervals.** The ensemble's 80%/95% bounds are its forecast minus and plus the mean
   half-widths of its statistical members' own bounds (of every statistical member when
   ``GlobalBoost``, which gives no interval, is the only one chosen). Their coverage is
   measured on the cross-validation windows; when it is off by more than
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
The global member is one LightGBM fit on ``n_jobs`` threads in this process (about 2 million
rows for 1,428 monthly series: under a minute), not spread over the cluster.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

import numpy as np
import pandas as pd

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.forecasting import global_model
from salesmind.forecasting.global_model import GlobalBoostForecaster
from salesmind.forecasting.intervals import calibrate_level

GLOBAL = global_model.NAME
DEFAULT_MEMBERS = ("AutoETS", "AutoARIMA", "AutoTheta", "DynamicOptimizedTheta", "AutoCES",
                   "SeasonalNaive", GLOBAL)
SHORT_MEMBERS = ("Naive", "HistoricAverage", "SES")
#: Fewer cross-validation errors than this (over all series) and no choice is made: every member
#: is averaged (choosing among 200 candidates on a handful of errors would fit noise).
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
    unknown = [n for n in names if n not in factories and n != GLOBAL]
    if unknown:
        raise UserInputError(f"unknown forecasting model(s) {unknown}; known: {sorted(factories)}")
    return [factories[n]() for n in names if n != GLOBAL]


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
        self.cv_forecasts_ = pd.DataFrame()
        self.combiner_ = "mean"
        self.width_members_: list[str] = []
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
        horizon, windows, season = self.horizon, self.n_windows, self.season_length
        names = [n for n in self.members if n != GLOBAL]
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
        if GLOBAL in self.members:
            with_global = self._add_global(long, fc, cv_parts, cv_h)
            if with_global is not None:
                fc, cv_parts = with_global
                names.append(GLOBAL)
        self.width_members_ = [n for n in names if n != GLOBAL]
        scales = long.groupby("unique_id")["y"].apply(lambda s: seasonal_scale(s.to_numpy(), season))
        if not cv_parts:  # no series long enough to cross-validate: all members, models' intervals
            for uid in lengths.index:
                self.members_[str(uid)] = list(names)
                self.interval_method_[str(uid)] = "no cross-validation possible: models' own intervals"
                self.combiner_ = "mean"
            return self._combine(fc)
        cv = pd.concat(cv_parts, ignore_index=True)
        cv["unique_id"] = cv["unique_id"].astype(str)
        self.cv_forecasts_ = cv  # every member's forecast in every window, for audit and tests
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
        self.width_members_ = [n for n in subset if n != GLOBAL] or self.width_members_
        cv_mean = _combine_columns(cv, list(subset), self.combiner_)
        methods = {}
        for level in self.levels:
            lo_width, hi_width = _half_widths(cv, self.width_members_, level)
            lo, hi = cv_mean - lo_width, cv_mean + hi_width
            result = calibrate_level(cv["y"].to_numpy(), cv_mean, lo, hi, level, self.coverage_tolerance)
            self.coverage_cv_[level] = result.coverage
            if result.method == "conformal":
                self.conformal_factors_[level] = result.factor
            methods[level] = result.method
        label = ", ".join(f"{lv}%: {methods[lv]}" for lv in self.levels)
        for uid in lengths.index:
            self.interval_method_[str(uid)] = label
        return self._combine(fc)

    def _add_global(self, long: pd.DataFrame, fc: pd.DataFrame, cv_parts: list[pd.DataFrame],
                    cv_h: pd.Series) -> tuple[pd.DataFrame, list[pd.DataFrame]] | None:
        """``fc`` and the CV windows with the global member's column, or None if it cannot learn.

        In window ``k`` of the cross-validation every series is cut where statsforecast cut it
        (``(n_windows - k) * h`` values before its end, ``h`` its CV horizon) and one model is
        learned from all the cut series, so it never sees a value after a series' cutoff.
        """
        model = self._global_model(self.horizon).fit(long)
        if not model.usable:
            return None
        fc = _with_global(fc, model.predict(long))
        if not cv_parts:
            return fc, cv_parts
        cv = pd.concat(cv_parts, ignore_index=True)
        cv["unique_id"] = cv["unique_id"].astype(str)
        ids = long["unique_id"].astype(str)
        keep_h = cv_h.rename(index=str)
        position = long.groupby(ids).cumcount().to_numpy()
        length = ids.map(long.groupby(ids).size()).to_numpy()
        step = ids.map(keep_h).fillna(0).to_numpy(int)
        forecasts = []
        for k in range(self.n_windows):
            cut = length - (self.n_windows - k) * step
            in_window = (step >= 1) & (position < cut)
            history = long[in_window]
            window_model = self._global_model(int(keep_h.max())).fit(history)
            if not window_model.usable:
                return None
            predicted = window_model.predict(history)
            predicted = predicted[predicted["h"] <= predicted["unique_id"].map(keep_h)]
            forecasts.append(_with_global(cv[["unique_id", "ds"]], predicted, by_cutoff=history))
        merged = cv.merge(pd.concat(forecasts, ignore_index=True), on=["unique_id", "ds"], how="left")
        return fc, [merged]

    def _global_model(self, horizon: int) -> GlobalBoostForecaster:
        return GlobalBoostForecaster(freq=self.freq, season_length=self.season_length, horizon=horizon,
                                     n_jobs=max(1, self.n_jobs))

    def _combine(self, fc: pd.DataFrame) -> pd.DataFrame:
        """The chosen members' forecast and bands (rescaled where conformal) from member forecasts."""
        fc = fc.assign(unique_id=fc["unique_id"].astype(str))
        self.member_forecasts_ = fc  # every member's own forecast, for comparison and audit
        chosen = fc["unique_id"].map(lambda u: self.members_[u])
        out = pd.DataFrame({"unique_id": fc["unique_id"].to_numpy(), "ds": fc["ds"].to_numpy()})
        out["mean"] = _row_mean(fc, chosen, "")
        if getattr(self, "combiner_", "mean") == "median":
            out["mean"] = fc[self.members_[out["unique_id"].iloc[0]]].median(axis=1).to_numpy()
        for level in self.levels:
            lo_width, hi_width = _half_widths(fc, self.width_members_, level)
            factor = self.conformal_factors_.get(level, 1.0)
            out[f"lo_{level}"] = out["mean"] - factor * lo_width
            out[f"hi_{level}"] = out["mean"] + factor * hi_width
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


def _half_widths(frame: pd.DataFrame, names: list[str], level: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the mean distance of members ``names``' lower and upper ``level`` bounds from
    their own forecasts."""
    lower = np.column_stack([(frame[n] - frame[f"{n}-lo-{level}"]).to_numpy(float) for n in names])
    upper = np.column_stack([(frame[f"{n}-hi-{level}"] - frame[n]).to_numpy(float) for n in names])
    return lower.mean(axis=1), upper.mean(axis=1)


def _with_global(frame: pd.DataFrame, predicted: pd.DataFrame,
                 by_cutoff: pd.DataFrame | None = None) -> pd.DataFrame:
    """``frame`` (unique_id, ds, ...) with the global member's column, matched by step: the
    ``h``-th date after the end of each series (of ``by_cutoff``'s series when given, else the
    ``h``-th row of that series in ``frame``)."""
    frame = frame.assign(unique_id=frame["unique_id"].astype(str))
    if by_cutoff is None:
        steps = frame.groupby("unique_id").cumcount() + 1
        keyed = frame.assign(h=steps.to_numpy())
        merged = keyed.merge(predicted, on=["unique_id", "h"], how="left")
        return merged.drop(columns="h")
    ends = by_cutoff.assign(unique_id=by_cutoff["unique_id"].astype(str)).groupby("unique_id")["ds"].max()
    later = frame[frame["ds"] > frame["unique_id"].map(ends)]
    later = later.sort_values(["unique_id", "ds"], kind="stable")
    keyed = later.assign(h=later.groupby("unique_id").cumcount().to_numpy() + 1)
    return keyed.merge(predicted, on=["unique_id", "h"], how="inner")[["unique_id", "ds", GLOBAL]]


def _combine_columns(frame: pd.DataFrame, names: list[str], how: str) -> np.ndarray:
    """The mean or median of the member columns ``names`` in every row."""
    values = frame[names].to_numpy(float)
    return np.median(values, axis=1) if how == "median" else values.mean(axis=1)

