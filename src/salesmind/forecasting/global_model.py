"""One LightGBM model learned across all series: the ensemble's cross-series member.

Statistical members fit each series alone; a sales team's many series (teams, regions,
products, reps) share shapes that one series is too short to show. :class:`GlobalBoostForecaster`
learns them from every series at once, the way global models won the M4 and M5 competitions:

* **Windows.** Every origin ``t`` of every series gives one training row per step ``h`` ahead
  whose value is known: the last ``2 * season_length`` values up to ``t`` (missing before the
  series starts), the step ``h``, the season position of ``t + h`` and the series' length.
* **Scale.** Each window is divided by its *level*, the mean absolute value of its last season,
  and so is the target ``y[t + h]``: series of any size and trend look alike, and the model
  predicts ratios to the level. Windows whose level is zero are not learned from; their
  forecast is zero.
* **Model.** LightGBM with the L1 loss (the median ratio: robust to outliers, close to the
  percentage errors forecasts are judged by), one model for all steps (``h`` is a feature).
  At most ``max_rows`` rows are used (2.5 million: about 300 MB of features): beyond that
  origins are thinned evenly.

Why not mlforecast: it scales each series by statistics of its whole history; the per-window
level above is what lets one model serve series whose level moves, and it is a few lines of
numpy around LightGBM.

It gives point forecasts only; :class:`~salesmind.forecasting.timeseries.EnsembleForecaster`
takes the width of its bands from the statistical members and checks their coverage.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesmind.core.errors import NotFittedError

NAME = "GlobalBoost"
#: Below this many training rows (windows x steps over all series) the model is not fitted.
MIN_ROWS = 2_000
_PERIOD = {"MS": "M", "M": "M", "ME": "M", "QS": "Q", "Q": "Q", "QE": "Q", "YS": "Y", "Y": "Y",
           "D": "D", "B": "B"}

PARAMS = {"objective": "l1", "learning_rate": 0.05, "num_leaves": 63, "min_data_in_leaf": 100,
          "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "verbose": -1,
          "seed": 0, "deterministic": True, "force_row_wise": True}


def season_positions(ds: pd.Series, freq: str, season_length: int) -> np.ndarray:
    """Position of each date in its season (e.g. month of year), the same for every series."""
    alias = _PERIOD.get(freq) or ("W" if str(freq).startswith("W") else None)
    if alias is None:
        return np.zeros(len(ds), dtype=np.int64)
    return pd.PeriodIndex(pd.to_datetime(ds), freq=alias).asi8 % max(season_length, 1)


class GlobalBoostForecaster:
    """LightGBM across series on level-scaled windows; point forecasts ``horizon`` steps ahead."""

    def __init__(self, freq: str = "MS", season_length: int = 12, horizon: int = 3,
                 num_boost_round: int = 500, max_rows: int = 2_500_000, n_jobs: int = 1) -> None:
        self.freq = freq
        self.season_length = season_length
        self.horizon = horizon
        self.num_boost_round = num_boost_round
        self.max_rows = max_rows
        self.n_jobs = n_jobs

    @property
    def lags(self) -> int:
        return 2 * max(self.season_length, 1)

    def _series(self, history: pd.DataFrame) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """(unique_id, values, season position of each value) per series, in time order."""
        frame = history.sort_values(["unique_id", "ds"], kind="stable")
        position = season_positions(frame["ds"], self.freq, self.season_length)
        out = []
        ids, values = frame["unique_id"].to_numpy(), frame["y"].to_numpy(float)
        bounds = [0, *(np.flatnonzero(ids[1:] != ids[:-1]) + 1)] if len(ids) else []
        ends = list(bounds[1:]) + [len(frame)]
        for start, end in zip(bounds, ends):
            out.append((str(ids[start]), values[start:end], position[start:end]))
        return out

    def _rows(self, y: np.ndarray, pos: np.ndarray, origins: np.ndarray, steps: int,
              known_only: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Features, scaled targets, levels and steps for ``origins`` of one series."""
        n, lags, season = len(y), self.lags, max(self.season_length, 1)
        padded = np.concatenate([np.full(lags, np.nan), y])
        idx = origins[:, None] + 1 + np.arange(lags)[None, :]  # padded index of y[t-lags+1..t]
        window = padded[idx]
        recent = padded[origins[:, None] + lags + 1 - season + np.arange(season)[None, :]]
        level = np.nanmean(np.abs(recent), axis=1)
        h = np.arange(1, steps + 1)
        t = np.repeat(origins, steps)
        hh = np.tile(h, len(origins))
        target_idx = t + hh
        lv = np.repeat(level, steps)
        keep = (target_idx < n) & (lv > 0) if known_only else np.ones(len(t), bool)
        first_pos = int(pos[0]) if len(pos) else 0
        features = np.column_stack([
            np.repeat(window / np.where(level > 0, level, 1.0)[:, None], steps, axis=0),
            hh, (first_pos + target_idx) % season, np.full(len(t), n, float)])
        target = np.full(len(t), np.nan)
        inside = target_idx < n
        target[inside] = y[target_idx[inside]] / np.where(lv[inside] > 0, lv[inside], 1.0)
        return features[keep], target[keep], lv[keep], hh[keep]

    def fit(self, history: pd.DataFrame) -> GlobalBoostForecaster:
        """Learn from every window of ``history`` (unique_id, ds, y) whose target is known."""
        import lightgbm as lgb

        series = self._series(history)
        total = sum(_known_targets(len(y) - self.season_length, self.horizon) for _, y, _ in series)
        stride = max(1, int(np.ceil(total / self.max_rows)))
        parts_x, parts_y = [], []
        for _, y, pos in series:
            origins = np.arange(len(y) - 2, self.season_length - 2, -stride)[::-1]
            if len(origins) == 0:
                continue
            x, target, _, _ = self._rows(y, pos, origins, self.horizon, known_only=True)
            parts_x.append(x)
            parts_y.append(target)
        rows = sum(len(p) for p in parts_y)
        self.n_rows_ = rows
        if rows < MIN_ROWS:
            self.booster_ = None
            return self
        params = dict(PARAMS, num_threads=max(1, self.n_jobs))
        data = lgb.Dataset(np.vstack(parts_x).astype(np.float32), np.concatenate(parts_y),
                           categorical_feature=[self.lags + 1], free_raw_data=True)
        self.booster_ = lgb.train(params, data, num_boost_round=self.num_boost_round)
        return self

    @property
    def usable(self) -> bool:
        """Whether there were enough windows to learn from (else :meth:`predict` is not used)."""
        return getattr(self, "booster_", None) is not None

    def predict(self, history: pd.DataFrame) -> pd.DataFrame:
        """unique_id, h, and the forecast column ``GlobalBoost`` from the end of each series."""
        if not hasattr(self, "booster_"):
            raise NotFittedError("GlobalBoostForecaster is not fitted yet: call fit() first")
        if self.booster_ is None:
            raise NotFittedError(f"too few windows to learn from ({self.n_rows_} < {MIN_ROWS})")
        ids, xs, levels, steps = [], [], [], []
        for uid, y, pos in self._series(history):
            x, _, level, h = self._rows(y, pos, np.array([len(y) - 1]), self.horizon, known_only=False)
            ids.append(np.full(len(h), uid, dtype=object))
            xs.append(x)
            levels.append(level)
            steps.append(h)
        ratio = self.booster_.predict(np.vstack(xs).astype(np.float32), num_threads=max(1, self.n_jobs))
        level = np.nan_to_num(np.concatenate(levels))
        return pd.DataFrame({"unique_id": np.concatenate(ids), "h": np.concatenate(steps),
                             NAME: ratio * level})


def _known_targets(origins: int, horizon: int) -> int:
    """Rows from ``origins`` consecutive origins ending one step before the series' end."""
    if origins <= 0:
        return 0
    full = max(origins - horizon, 0) * horizon
    tail = min(origins, horizon)
    return full + tail * (tail + 1) // 2
