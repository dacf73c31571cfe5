"""The pipeline forecast of one period: a Monte Carlo over open deals, their slips and new pipeline.

Each simulated period total is

    won_to_date + sum_i  Bernoulli(win_i * p_in_period_i) * amount_i  +  new-pipeline draw

where ``win_i`` is the deal's win probability (for a deal without an expected close date, scaled by
:meth:`SlipModel.staleness` of its age), ``p_in_period_i`` the slip model's probability that
the deal, if won, closes inside the period, and the new-pipeline draw is a bootstrap from the
run-rate's replayed past windows. Deals are independent given their probabilities.

Forecast categories (cumulative totals, each including ``won_to_date``):

* **commit**: deals with ``win * p_in_period >= commit_threshold`` (0.7), or in a commit stage
  (``commit_stages``, default ``negotiation`` / ``commit``) with ``p_in_period >= 0.5``;
* **best case**: commit plus deals with ``win * p_in_period >= best_case_threshold`` (0.3);
* **pipeline**: every open deal that could close in the period (``p_in_period > 0``).

Drivers are the deals ordered by their share of the forecast variance,
``q (1 - q) amount^2 / Var(total)`` with ``q = win * p_in_period``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.forecasting.runrate import RunRate
from salesmind.forecasting.slip import SlipModel, day_number

DEAL_COLUMNS = ("deal_id", "amount", "win_probability")
DRIVER_COLUMNS = ["deal_id", "name", "owner", "amount", "win_probability", "p_in_period", "expected",
                  "variance_share"]


@dataclass
class PipelineForecast:
    """The simulated distribution of one period's bookings, its categories and its drivers."""

    period_start: date
    period_end: date
    as_of: date
    won_to_date: float
    mean: float
    p10: float
    p50: float
    p90: float
    commit: float
    best_case: float
    pipeline: float
    new_pipeline_mean: float
    samples: np.ndarray = field(repr=False)
    drivers: pd.DataFrame = field(repr=False)

    def to_dict(self, n_samples: int = 0) -> dict[str, Any]:
        """JSON-ready fields; ``n_samples`` evenly spaced sorted samples, and the top 25 drivers."""
        out: dict[str, Any] = {k: (v.isoformat() if isinstance(v, date) else float(v))
                               for k, v in self.__dict__.items() if k not in ("samples", "drivers")}
        if n_samples > 0 and len(self.samples):
            ordered = np.sort(self.samples)
            picks = np.linspace(0, len(ordered) - 1, min(n_samples, len(ordered))).round().astype(int)
            out["samples"] = [float(x) for x in ordered[picks]]
        top = self.drivers.head(25).astype(object).where(self.drivers.head(25).notna(), None)
        out["drivers"] = top.to_dict(orient="records")
        return out


class PipelineSimulator:
    """Monte Carlo forecast of a period's bookings from open deals (fit learns slips and run-rate)."""

    def __init__(self, n_simulations: int = 10_000, random_state: int = 0, commit_threshold: float = 0.7,
                 best_case_threshold: float = 0.3, commit_stages: tuple[str, ...] = ("negotiation", "commit"),
                 include_new_pipeline: bool = True, chunk_deals: int = 512, staleness: bool = True) -> None:
        self.n_simulations = n_simulations
        self.random_state = random_state
        self.commit_threshold = commit_threshold
        self.best_case_threshold = best_case_threshold
        self.commit_stages = commit_stages
        self.include_new_pipeline = include_new_pipeline
        self.chunk_deals = chunk_deals
        self.staleness = staleness

    def fit(self, closed: pd.DataFrame) -> "PipelineSimulator":
        """Learn the slip model and the run-rate from closed deals (see ``closed_deals_frame``)."""
        self.slip_ = SlipModel().fit(closed)
        self.run_rate_ = RunRate().fit(closed)
        return self

    def p_in_period(self, deals: pd.DataFrame, period_start: date, period_end: date,
                    as_of: date | datetime) -> np.ndarray:
        """P(each deal, if won, closes between ``period_start`` and ``period_end``)."""
        if not hasattr(self, "slip_"):
            raise NotFittedError("PipelineSimulator is not fitted: call fit(closed) first")
        by_end = self.slip_.p_close_by(deals, period_end, as_of)
        if period_start > _as_date(as_of):
            by_end = by_end - self.slip_.p_close_by(deals, period_start - timedelta(days=1), as_of)
        return np.clip(by_end, 0.0, 1.0)

    def simulate(self, deals: pd.DataFrame, period_start: date, period_end: date, as_of: date | datetime,
                 won_to_date: float = 0.0) -> PipelineForecast:
        """Simulate the period's total bookings from ``deals`` (open at ``as_of``) plus new pipeline."""
        _check_deals(deals)
        if period_end < period_start:
            raise UserInputError(f"the period ends ({period_end}) before it starts ({period_start})")
        rng = np.random.default_rng(self.random_state)
        amount = pd.to_numeric(deals["amount"], errors="coerce").fillna(0.0).to_numpy(float)
        win = np.clip(pd.to_numeric(deals["win_probability"], errors="coerce").fillna(0.0).to_numpy(float), 0, 1)
        undated = (~np.isfinite(day_number(deals["close_date"])) if "close_date" in deals.columns
                   else np.ones(len(deals), dtype=bool))
        if self.staleness and undated.any():  # no expected close date: an old open deal is less likely to be won at all
            win[undated] = np.minimum(1.0, win[undated] * self.slip_.staleness(deals[undated], as_of))
        p_in = self.p_in_period(deals, period_start, period_end, as_of)
        q = win * p_in
        samples = np.full(self.n_simulations, float(won_to_date))
        samples += self._deal_draws(rng, q, amount)
        new_mean, new_var = 0.0, 0.0
        if self.include_new_pipeline:
            new = self.run_rate_.sample(period_start, period_end, as_of, self.n_simulations, rng)
            samples += new
            new_mean = float(self.run_rate_.expected(period_start, period_end, as_of)[0])
            new_var = float(new.var())
        p10, p50, p90 = np.quantile(samples, [0.1, 0.5, 0.9])
        stage = (deals["stage"].astype(str).str.lower().to_numpy() if "stage" in deals.columns
                 else np.full(len(deals), ""))
        commit = (q >= self.commit_threshold) | (np.isin(stage, [s.lower() for s in self.commit_stages])
                                                  & (p_in >= 0.5))
        best = commit | (q >= self.best_case_threshold)
        return PipelineForecast(
            period_start=period_start, period_end=period_end, as_of=_as_date(as_of),
            won_to_date=float(won_to_date), mean=float(samples.mean()),
            p10=float(p10), p50=float(p50), p90=float(p90),
            commit=float(won_to_date + amount[commit].sum()), best_case=float(won_to_date + amount[best].sum()),
            pipeline=float(won_to_date + amount[p_in > 0].sum()), new_pipeline_mean=new_mean,
            samples=samples, drivers=_drivers(deals, amount, win, p_in, new_var))

    def _deal_draws(self, rng: np.random.Generator, q: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """Sum over deals of Bernoulli(q) * amount, per simulation (in chunks of deals to bound memory)."""
        total = np.zeros(self.n_simulations)
        for lo in range(0, len(q), self.chunk_deals):
            hi = lo + self.chunk_deals
            wins = rng.random((self.n_simulations, len(q[lo:hi]))) < q[lo:hi]
            total += wins @ amount[lo:hi]
        return total


def _drivers(deals: pd.DataFrame, amount: np.ndarray, win: np.ndarray, p_in: np.ndarray,
             other_variance: float) -> pd.DataFrame:
    """Deals by their share of the variance of the period total."""
    q = win * p_in
    variance = q * (1.0 - q) * amount ** 2
    total = variance.sum() + other_variance
    frame = pd.DataFrame({
        "deal_id": deals["deal_id"].to_numpy(),
        "name": deals["name"].to_numpy() if "name" in deals.columns else None,
        "owner": deals["owner"].to_numpy() if "owner" in deals.columns else None,
        "amount": amount, "win_probability": win, "p_in_period": p_in, "expected": q * amount,
        "variance_share": variance / total if total > 0 else np.zeros(len(q)),
    })
    return frame.sort_values(["variance_share", "expected"], ascending=False, kind="stable").reset_index(drop=True)


def _check_deals(deals: pd.DataFrame) -> None:
    missing = [c for c in DEAL_COLUMNS if c not in deals.columns]
    if missing:
        raise UserInputError(f"open deals need the columns {missing}")


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
