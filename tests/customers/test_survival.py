"""Survival model and subscription value: closed forms, lifelines' own RMST, and simulated lifetimes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines.exceptions import ApproximationWarning
from lifelines.utils import restricted_mean_survival_time

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.customers.survival import (
    ChurnSurvival,
    median_months,
    restricted_mean_months,
    subscription_value,
)

COLUMNS = ("usage_drop", "tickets", "noise")


def geometric_curve(hazard: float, months: int) -> pd.Series:
    """S(t) = (1 - h)^t at whole months."""
    return pd.Series((1.0 - hazard) ** np.arange(months + 1), index=np.arange(months + 1))


def test_subscription_value_matches_the_geometric_sum():
    h, d, months, mrr, margin = 0.03, 0.01, 36, 1000.0, 0.7
    q = (1 - h) / (1 + d)
    expected = mrr * margin * (1 - q ** months) / (1 - q)
    assert subscription_value(geometric_curve(h, months), mrr, margin, d) == pytest.approx(expected)


def test_subscription_value_of_many_curves_and_bad_input():
    curves = pd.concat([geometric_curve(0.0, 12), geometric_curve(1.0, 12)], axis=1)
    values = subscription_value(curves, np.array([100.0, 100.0]), 1.0, 0.0)
    assert values.tolist() == pytest.approx([1200.0, 100.0])  # never churns; churns after the first month
    rising = pd.Series([1.0, 0.5, 0.6], index=[0, 1, 2])
    with pytest.raises(UserInputError, match="never rise"):
        subscription_value(rising, 100.0, 0.5, 0.01)
    with pytest.raises(UserInputError, match="margin"):
        subscription_value(geometric_curve(0.1, 3), 100.0, 1.5, 0.01)


def test_restricted_mean_equals_lifelines_and_median_is_the_first_month_at_half():
    curve = geometric_curve(0.1, 24)
    frame = curve.to_frame("s")
    ours = restricted_mean_months(frame)[0]
    with pytest.warns(ApproximationWarning):  # lifelines: computed from the curve's points
        reference = restricted_mean_survival_time(frame, t=24)
    assert ours == pytest.approx(reference)
    assert median_months(frame)[0] == 7  # 0.9^6 = 0.53, 0.9^7 = 0.48
    assert np.isnan(median_months(geometric_curve(0.01, 24).to_frame("s"))[0])


def simulated_lifetimes(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Exponential lifetimes whose monthly hazard is 0.03 * exp(1.2 usage_drop + 0.3 tickets), censored at 24."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"usage_drop": rng.normal(size=n), "tickets": rng.poisson(1.0, n).astype(float),
                      "noise": rng.normal(size=n)})
    X.loc[rng.random(n) < 0.1, "noise"] = np.nan
    rate = 0.03 * np.exp(1.2 * X["usage_drop"] + 0.3 * X["tickets"])
    life = rng.exponential(1.0 / rate)
    censor = rng.uniform(6, 24, n)
    return X, np.minimum(life, censor), (life <= censor).astype(int)


def test_survival_model_recovers_the_ordering_and_the_median_lifetime():
    X, duration, event = simulated_lifetimes(1500)
    model = ChurnSurvival(columns=COLUMNS, penalizer=0.01).fit(X, duration, event)
    assert set(model.concordance_) == {"cox", "weibull"} and model.method_ in model.concordance_
    assert min(model.concordance_.values()) > 0.7
    risk = model.risk_score(X)
    assert np.corrcoef(risk, X["usage_drop"])[0, 1] > 0.8
    typical = pd.DataFrame({"usage_drop": [0.0], "tickets": [0.0], "noise": [0.0]})
    true_median = np.log(2) / 0.03  # 23.1 months
    found = model.expected_months(typical, months=60)
    assert found["median_months"].iloc[0] == pytest.approx(true_median, rel=0.2)
    curves = model.survival_curves(X.head(5), months=12)
    assert curves.shape == (13, 5) and (curves.iloc[0] == 1.0).all() and (curves.diff().iloc[1:] <= 0).all().all()


def test_survival_model_refuses_too_few_events_and_use_before_fit():
    X, duration, event = simulated_lifetimes(100)
    with pytest.raises(NotFittedError):
        ChurnSurvival(columns=COLUMNS).risk_score(X)
    with pytest.raises(UserInputError, match="churned subscriptions"):
        ChurnSurvival(columns=COLUMNS).fit(X, duration, np.zeros_like(event))
    with pytest.raises(UserInputError, match="feature columns"):
        ChurnSurvival().fit(X, duration, event)
