"""The pipeline Monte Carlo against analytic answers: moments, the exact Poisson-binomial, categories."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.forecasting import PipelineSimulator

AS_OF = date(2025, 1, 1)
START, END = date(2025, 1, 1), date(2025, 3, 31)


def on_time_history(n: int = 40) -> pd.DataFrame:
    """Won deals that all closed exactly on their expected close date (slip 0), no new pipeline."""
    created = [datetime(2023, 1, 1, tzinfo=timezone.utc) + timedelta(days=3 * i) for i in range(n)]
    closed = [c + timedelta(days=30) for c in created]
    return pd.DataFrame({"deal_id": range(n), "created_at": created, "closed_at": closed,
                         "amount": 0.0, "won": 1, "first_expected_close_date": [c.date() for c in closed],
                         "last_expected_close_date": [c.date() for c in closed], "pushes": 0})


def deals_frame(win: np.ndarray, amount: np.ndarray, stage: str = "proposal") -> pd.DataFrame:
    n = len(win)
    return pd.DataFrame({"deal_id": np.arange(n), "name": [f"deal {i}" for i in range(n)], "owner": "rep",
                         "stage": stage, "amount": amount, "win_probability": win,
                         "close_date": [date(2025, 2, 15)] * n,
                         "created_at": [datetime(2024, 12, 1, tzinfo=timezone.utc)] * n})


def poisson_binomial_pmf(p: np.ndarray) -> np.ndarray:
    """Exact distribution of the number of successes of independent Bernoulli(p_i)."""
    pmf = np.array([1.0])
    for pi in p:
        pmf = np.convolve(pmf, [1.0 - pi, pi])
    return pmf


def exact_quantile(pmf: np.ndarray, level: float) -> int:
    return int(np.searchsorted(np.cumsum(pmf), level - 1e-12))


@pytest.fixture
def simulator() -> PipelineSimulator:
    return PipelineSimulator(n_simulations=20_000, random_state=7).fit(on_time_history())


def test_deals_dated_inside_the_period_close_in_it_when_history_never_slips(simulator: PipelineSimulator) -> None:
    deals = deals_frame(np.full(3, 0.5), np.full(3, 10.0))
    assert simulator.p_in_period(deals, START, END, AS_OF) == pytest.approx([1.0, 1.0, 1.0])
    late = deals.assign(close_date=[date(2025, 5, 1)] * 3)
    assert simulator.p_in_period(late, START, END, AS_OF) == pytest.approx([0.0, 0.0, 0.0])


def test_mean_and_variance_match_independent_bernoulli_deals(simulator: PipelineSimulator) -> None:
    rng = np.random.default_rng(1)
    win, amount = rng.uniform(0.05, 0.95, 60), rng.uniform(1_000, 50_000, 60)
    forecast = simulator.simulate(deals_frame(win, amount), START, END, AS_OF, won_to_date=5_000.0)
    mean, var = 5_000.0 + np.sum(win * amount), np.sum(win * (1 - win) * amount ** 2)
    n = simulator.n_simulations
    assert forecast.mean == pytest.approx(mean, abs=4 * np.sqrt(var / n))
    # sample variance of n draws: relative sd about sqrt(2 / n) (~1%); allow 5 %
    assert forecast.samples.var(ddof=1) == pytest.approx(var, rel=0.05)
    assert forecast.new_pipeline_mean == 0.0
    assert forecast.p10 < forecast.p50 < forecast.p90


def test_equal_amounts_give_the_exact_poisson_binomial_quantiles(simulator: PipelineSimulator) -> None:
    win = np.linspace(0.02, 0.98, 40)
    forecast = simulator.simulate(deals_frame(win, np.full(40, 1_000.0)), START, END, AS_OF)
    pmf = poisson_binomial_pmf(win)
    counts = np.rint(forecast.samples / 1_000.0).astype(int)
    for level, got in ((0.1, forecast.p10), (0.5, forecast.p50), (0.9, forecast.p90)):
        assert abs(got / 1_000.0 - exact_quantile(pmf, level)) <= 1
    observed = np.bincount(counts, minlength=len(pmf)) / len(counts)
    assert np.abs(observed - pmf).max() < 0.01  # whole distribution, not only three quantiles


def test_same_seed_same_samples_other_seed_other_samples() -> None:
    deals = deals_frame(np.full(20, 0.4), np.arange(1, 21) * 100.0)
    first = PipelineSimulator(n_simulations=2_000, random_state=3).fit(on_time_history())
    again = PipelineSimulator(n_simulations=2_000, random_state=3).fit(on_time_history())
    other = PipelineSimulator(n_simulations=2_000, random_state=4).fit(on_time_history())
    a = first.simulate(deals, START, END, AS_OF).samples
    assert np.array_equal(a, again.simulate(deals, START, END, AS_OF).samples)
    assert not np.array_equal(a, other.simulate(deals, START, END, AS_OF).samples)


def test_chunking_over_deals_does_not_change_the_distribution() -> None:
    win = np.linspace(0.1, 0.9, 50)
    deals = deals_frame(win, np.full(50, 1.0))
    small = PipelineSimulator(n_simulations=20_000, chunk_deals=7).fit(on_time_history())
    assert small.simulate(deals, START, END, AS_OF).mean == pytest.approx(win.sum(), abs=0.1)


def test_categories_and_drivers(simulator: PipelineSimulator) -> None:
    deals = deals_frame(np.array([0.9, 0.5, 0.2, 0.05]), np.array([100.0, 200.0, 400.0, 1_000.0]))
    deals.loc[2, "stage"] = "Negotiation"  # a commit stage (any case) closing in the period
    forecast = simulator.simulate(deals, START, END, AS_OF, won_to_date=10.0)
    assert forecast.commit == 10.0 + 100.0 + 400.0
    assert forecast.best_case == 10.0 + 100.0 + 200.0 + 400.0
    assert forecast.pipeline == 10.0 + 1_700.0
    q = np.array([0.9, 0.5, 0.2, 0.05])
    variance = q * (1 - q) * np.array([100.0, 200.0, 400.0, 1_000.0]) ** 2
    drivers = forecast.drivers.set_index("deal_id")
    assert drivers["variance_share"].to_numpy() == pytest.approx(np.sort(variance / variance.sum())[::-1])
    assert list(forecast.drivers["deal_id"]) == list(np.argsort(-variance))
    assert drivers.loc[1, "expected"] == pytest.approx(100.0)


def test_a_later_period_counts_only_closes_inside_it(simulator: PipelineSimulator) -> None:
    deals = deals_frame(np.full(2, 1.0), np.full(2, 50.0))
    deals["close_date"] = [date(2024, 12, 20), date(2025, 5, 10)]
    p = simulator.p_in_period(deals, date(2025, 4, 1), date(2025, 6, 30), date(2024, 12, 1))
    assert p == pytest.approx([0.0, 1.0])


def test_to_dict_is_json_and_keeps_the_numbers(simulator: PipelineSimulator) -> None:
    forecast = simulator.simulate(deals_frame(np.full(3, 0.5), np.full(3, 10.0)), START, END, AS_OF)
    out = json.loads(json.dumps(forecast.to_dict(n_samples=11)))
    assert out["period_start"] == "2025-01-01" and out["p50"] == forecast.p50
    assert len(out["samples"]) == 11 and out["samples"] == sorted(out["samples"])
    assert len(out["drivers"]) == 3 and set(out["drivers"][0]) >= {"deal_id", "variance_share"}


def test_used_before_fit_or_with_wrong_columns() -> None:
    deals = deals_frame(np.full(2, 0.5), np.full(2, 10.0))
    with pytest.raises(NotFittedError):
        PipelineSimulator().simulate(deals, START, END, AS_OF)
    fitted = PipelineSimulator().fit(on_time_history())
    with pytest.raises(UserInputError, match="win_probability"):
        fitted.simulate(deals.drop(columns=["win_probability"]), START, END, AS_OF)
    with pytest.raises(UserInputError, match="before it starts"):
        fitted.simulate(deals, END, START, AS_OF)
