"""BG/NBD against Fader, Hardie & Lee (2005) on CDNOW, its gradient, predictions and stability."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.customers.btyd import BetaGeoModel, log_likelihood_terms, simulate

PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


@lru_cache(maxsize=1)
def _fit(path: Path) -> BetaGeoModel:
    data = pd.read_csv(path)
    return BetaGeoModel().fit(data["frequency"], data["recency"], data["T"])


@pytest.fixture
def cdnow(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "cdnow" / "cdnow_customers_summary.csv")


@pytest.fixture
def fitted(shared_data: Path) -> BetaGeoModel:
    return _fit(shared_data / "cdnow" / "cdnow_customers_summary.csv")


def test_reproduces_the_published_cdnow_parameters_and_log_likelihood(fitted: BetaGeoModel):
    for name, value in PUBLISHED.items():
        assert round(fitted.params_[name], 3) == value, name
    assert round(fitted.log_likelihood_, 1) == -9582.4


def test_matches_hardie_spreadsheet_expectations(fitted: BetaGeoModel):
    # Hardie's BG/NBD Excel note on CDNOW: E[X(t)] for a new customer, and the customer with
    # x=2, t_x=30.43, T=38.86 expected to make 1.226 purchases in the next 39 weeks.
    times = np.array([0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0])
    expected = np.array([0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576])
    np.testing.assert_allclose(fitted.expected_purchases_new_customer(times), expected, atol=5e-4)
    assert round(float(fitted.conditional_expected_purchases(39, 2, 30.43, 38.86)), 3) == 1.226


def test_analytic_gradient_matches_finite_differences():
    x = np.array([0, 1, 2, 7, 30, 0])
    tx = np.array([0.0, 3.2, 10.5, 20.0, 38.0, 0.0])
    T = np.array([12.0, 20.0, 38.9, 30.0, 39.0, 1.0])
    point = np.log([0.4, 3.0, 0.8, 2.0])
    _, grad = log_likelihood_terms(point, x, tx, T)
    step = 1e-6
    for j in range(4):
        shift = np.zeros(4)
        shift[j] = step
        numeric = (log_likelihood_terms(point + shift, x, tx, T)[0]
                   - log_likelihood_terms(point - shift, x, tx, T)[0]) / (2 * step)
        np.testing.assert_allclose(grad[:, j], numeric, rtol=1e-6, atol=1e-7)


def test_standard_errors_come_from_a_positive_definite_hessian(fitted: BetaGeoModel):
    assert np.all(np.linalg.eigvalsh(fitted.covariance_) > 0)
    # The lifetimes library (0.11.3, autograd Hessian) reports these standard errors on the same data.
    np.testing.assert_allclose(fitted.standard_errors_.to_numpy(), [0.0126, 0.378, 0.186, 0.705], rtol=0.01)


def test_recovers_parameters_from_simulated_customers():
    rng = np.random.default_rng(7)
    truth = np.array([0.5, 6.0, 1.2, 3.0])
    data = simulate(truth, rng.uniform(20, 52, size=20_000), rng)
    model = BetaGeoModel().fit(data["frequency"], data["recency"], data["T"])
    z = (np.log(model.params_.to_numpy()) - np.log(truth)) / np.sqrt(np.diag(model.covariance_))
    assert np.all(np.abs(z) < 4), model.params_


def test_weights_equal_repeated_rows(cdnow: pd.DataFrame):
    head = cdnow.head(400)
    doubled = pd.concat([head, head])
    by_rows = BetaGeoModel().fit(doubled["frequency"], doubled["recency"], doubled["T"])
    by_weights = BetaGeoModel().fit(head["frequency"], head["recency"], head["T"], weights=np.full(400, 2.0))
    np.testing.assert_allclose(by_rows.params_, by_weights.params_, rtol=1e-5)
    assert by_rows.log_likelihood_ == pytest.approx(by_weights.log_likelihood_)


def _textbook_expectation(model: BetaGeoModel, t: float, x: float, tx: float, T: float) -> float:
    """FHL 2005 eq. 10 as printed (overflows for very heavy buyers)."""
    r, alpha, a, b = model.params_
    series = ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    alive = 1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x)
    return (a + b + x - 1) / (a - 1) * (1 - series) / alive


def test_conditional_expectation_equals_the_textbook_form_and_stays_finite_for_heavy_buyers(fitted):
    for x, tx in ((0, 0.0), (2, 30.43), (50, 38.0), (200, 38.5)):
        ours = float(fitted.conditional_expected_purchases(39, x, tx, 38.86))
        assert ours == pytest.approx(_textbook_expectation(fitted, 39, x, tx, 38.86), rel=1e-8)
    heavy = fitted.conditional_expected_purchases(np.array([1.0, 39.0, 78.0]), 5000, 38.8, 38.86)
    assert np.all(np.isfinite(heavy)) and np.all(np.diff(heavy) > 0)


@pytest.mark.parametrize("x, tx, t", [(0, 0.0, 39.0), (2, 30.43, 39.0), (10, 20.0, 10.0), (5000, 38.8, 39.0)])
def test_conditional_expectation_agrees_with_simulating_the_posterior(fitted, x, tx, t):
    # Given alive at T: rate ~ Gamma(r+x, alpha+T), drop-out ~ Beta(a, b+x); purchases in (T, T+t]
    # are a Poisson count cut at the geometric purchase after which the customer drops out.
    r, alpha, a, b = fitted.params_
    rng = np.random.default_rng(1)
    n, T = 200_000, 38.86
    rate, drop = rng.gamma(r + x, 1 / (alpha + T), n), rng.beta(a, b + x, n)
    count = np.minimum(rng.poisson(rate * t), rng.geometric(drop))
    alive = float(fitted.probability_alive(x, tx, T))
    expected = float(fitted.conditional_expected_purchases(t, x, tx, T))
    assert abs(expected - alive * count.mean()) < 4 * alive * count.std() / np.sqrt(n)


def test_probability_alive(fitted: BetaGeoModel):
    p = fitted.probability_alive([0, 2, 2, 10], [0, 30.43, 5.0, 5.0], [38.86] * 4)
    assert p[0] == 1.0
    assert 0 < p[3] < p[2] < p[1] < 1  # the longer silent after many purchases, the likelier gone
    r, alpha, a, b = fitted.params_
    assert p[1] == pytest.approx(1 / (1 + a / (b + 1) * ((alpha + 38.86) / (alpha + 30.43)) ** (r + 2)))


def test_bad_input_and_unfitted_use_are_reported():
    with pytest.raises(NotFittedError):
        BetaGeoModel().probability_alive([1], [1], [2])
    with pytest.raises(UserInputError, match="recency"):
        BetaGeoModel().fit([1, 0], [5.0, 0.0], [4.0, 3.0])
    with pytest.raises(UserInputError, match="whole number"):
        BetaGeoModel().fit([1.5], [1.0], [2.0])
    with pytest.raises(UserInputError, match="no customer has a repeat purchase"):
        BetaGeoModel().fit([0, 0], [0, 0], [3, 4])
