"""Bookings from pipeline not yet created: an empirical run-rate learned from past windows.

To forecast what deals created after ``as_of`` will book between ``start`` and ``end``, the model
replays the same situation in the past: for window starts ``s`` every ``step_days`` over the last
``lookback_days`` of history (each window ending before the last day seen), it sums the amount of
won deals created in ``(s, s + L]`` and closed in ``[s + L0, s + L]``, where ``L`` is the number of
days from ``as_of`` to ``end`` and ``L0`` from ``as_of`` to ``start``. The mean and standard
deviation of those sums are the run-rate; their values are also the bootstrap pool the pipeline
simulation draws from (so the draw keeps the skew of real bookings). Because each window is
replayed whole, the time a new deal needs to close is learned too (a plain per-day rate would
count deals that cannot close in time).
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.forecasting.slip import day_number


class RunRate:
    """Mean and spread of bookings from deals not yet created, learned from closed deals."""

    def __init__(self, lookback_days: int = 365, step_days: int = 7) -> None:
        self.lookback_days = lookback_days
        self.step_days = step_days

    def fit(self, closed: pd.DataFrame) -> "RunRate":
        """Learn from ``closed`` (columns created_at, closed_at, amount, won)."""
        missing = {"created_at", "closed_at", "amount", "won"} - set(closed.columns)
        if missing:
            raise UserInputError(f"closed deals need the columns {sorted(missing)}")
        closed_day = day_number(closed["closed_at"])
        created_day = day_number(closed["created_at"])
        self.horizon_ = float(np.nanmax(closed_day)) if len(closed) else np.nan
        self.first_day_ = float(np.nanmin(created_day)) if len(closed) else np.nan
        won = closed["won"].astype(bool).to_numpy() & np.isfinite(closed_day) & np.isfinite(created_day)
        self.created_ = created_day[won]
        self.closed_ = closed_day[won]
        self.amount_ = pd.to_numeric(closed["amount"], errors="coerce").fillna(0.0).to_numpy(float)[won]
        return self

    def window_totals(self, start: date, end: date, as_of: date | datetime) -> np.ndarray:
        """Past bookings of the same shape as the asked window (one total per replayed window)."""
        if not hasattr(self, "horizon_"):
            raise NotFittedError("RunRate is not fitted: call fit(closed) first")
        now = float(day_number([as_of])[0])
        length = float(day_number([end])[0]) - now
        lead = max(0.0, float(day_number([start])[0]) - now)
        if length <= 0 or not np.isfinite(self.horizon_):
            return np.zeros(0)
        last_start = self.horizon_ - length
        starts = np.arange(last_start, max(self.first_day_, last_start - self.lookback_days) - 1e-9,
                           -float(self.step_days))
        if len(starts) == 0:
            return np.zeros(0)
        s = starts[:, None]
        counted = ((self.created_[None, :] > s) & (self.created_[None, :] <= s + length)
                   & (self.closed_[None, :] >= s + lead) & (self.closed_[None, :] <= s + length))
        return counted.astype(float) @ self.amount_

    def expected(self, start: date, end: date, as_of: date | datetime) -> tuple[float, float]:
        """(mean, sd) of bookings between ``start`` and ``end`` from deals created after ``as_of``."""
        totals = self.window_totals(start, end, as_of)
        if len(totals) == 0:
            return 0.0, 0.0
        return float(totals.mean()), float(totals.std(ddof=1)) if len(totals) > 1 else 0.0

    def sample(self, start: date, end: date, as_of: date | datetime, size: int,
               rng: np.random.Generator) -> np.ndarray:
        """``size`` draws of those bookings (bootstrap from the replayed windows; zeros when none)."""
        totals = self.window_totals(start, end, as_of)
        if len(totals) == 0:
            return np.zeros(size)
        return rng.choice(totals, size=size, replace=True)
