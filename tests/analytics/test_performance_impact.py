"""Baseline versus after: the difference in differences recovers an injected effect and finds none when none is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from salesmind.analytics.impact import estimate_impact, impact_units
from salesmind.core.errors import UserInputError

CHANGE = datetime(2025, 7, 1, tzinfo=UTC)
TREATED = {0, 1, 2, 3, 4}


def _units(effect: float, trend: float = 0.0, n: int = 120, base: float = 0.3, seed: int = 1,
           binary: bool = True) -> pd.DataFrame:
    """10 reps, ``n`` deals each over 180 days around the change; the treated reps gain ``effect`` after it."""
    rng = np.random.default_rng(seed)
    rows = []
    for rep in range(10):
        days = rng.uniform(-180, 90, n)
        after = days >= 0
        p = base + trend * after + effect * (after & (rep in TREATED))
        value = rng.random(n) < p if binary else rng.normal(p, 1.0)
        rows += [(rep, CHANGE + timedelta(days=float(d)), float(v)) for d, v in zip(days, value)]
    return pd.DataFrame(rows, columns=["rep_id", "at", "value"]).assign(at=lambda f: pd.to_datetime(f["at"], utc=True))


def test_recovers_an_injected_effect() -> None:
    result = estimate_impact(_units(0.2), CHANGE, TREATED, n_boot=1000)
    assert result.method == "difference in differences"
    assert result.ci_low < 0.2 < result.ci_high and result.ci_low > 0
    assert result.permutation_p is not None and result.permutation_p < 0.05
    assert result.odds_ratio > 1 and result.odds_ratio_p < 0.05
    # the placebo (the change pretended one window earlier) finds nothing
    assert result.placebo_ci[0] < 0 < result.placebo_ci[1]


def test_finds_no_effect_when_none_is_injected_even_with_a_trend() -> None:
    result = estimate_impact(_units(0.0, trend=0.15), CHANGE, TREATED, n_boot=1000)
    assert result.ci_low < 0 < result.ci_high
    assert result.permutation_p > 0.05
    # a plain before/after on the treated reps would have credited the trend to the change
    assert result.treated_after.mean - result.treated_before.mean > 0.08


def test_without_control_it_says_before_after_only() -> None:
    units = _units(0.2)
    result = estimate_impact(units[units["rep_id"].isin(TREATED)], CHANGE, TREATED, n_boot=500)
    assert result.method == "before/after only" and "cannot separate" in result.note
    assert result.ci_low < 0.2 < result.ci_high


def test_point_estimate_and_interval_match_ols_interaction() -> None:
    """The DiD of means equals OLS's treated x after coefficient; the bootstrap CI is close to OLS's robust CI."""
    import statsmodels.formula.api as smf

    units = _units(0.5, binary=False, n=80, seed=3)
    result = estimate_impact(units, CHANGE, TREATED, metric="deal_size", n_boot=3000)
    inside = units[units["at"] >= pd.Timestamp(CHANGE) - pd.Timedelta(days=90)]
    frame = pd.DataFrame({"y": inside["value"], "t": inside["rep_id"].isin(TREATED).astype(int),
                          "a": (inside["at"] >= pd.Timestamp(CHANGE)).astype(int)})
    fit = smf.ols("y ~ t * a", frame).fit(cov_type="HC1")
    assert result.estimate == pytest.approx(fit.params["t:a"], abs=1e-9)
    low, high = fit.conf_int().loc["t:a"]
    assert result.ci_high - result.ci_low == pytest.approx(high - low, rel=0.15)
    assert result.ci_low == pytest.approx(low, abs=0.1 * (high - low))


def test_units_per_metric() -> None:
    at = pd.Timestamp("2025-01-01", tz="UTC")
    deals = pd.DataFrame({"owner_id": [1, 1, 2], "outcome": ["won", "lost", "won"], "amount": [100.0, 50.0, 70.0],
                          "created_at": [at, at, at], "closed_at": [at + pd.Timedelta(days=d) for d in (10, 20, 4)]})
    acts = pd.DataFrame({"user_id": [1, 1, 2], "occurred_at": [at, at + pd.Timedelta(days=8), at]})
    start, end = at, at + pd.Timedelta(days=14)
    assert impact_units(deals, acts, "win_rate", [1, 2], start, end)["value"].tolist() == [1.0, 1.0]
    assert impact_units(deals, acts, "cycle_days", [1, 2], start, end)["value"].tolist() == [10.0, 4.0]
    weekly = impact_units(deals, acts, "activity_per_week", [1, 2], start, end)
    assert weekly["value"].tolist() == [1.0, 1.0, 1.0, 0.0]
    with pytest.raises(UserInputError):
        impact_units(deals, acts, "happiness", [1], start, end)
