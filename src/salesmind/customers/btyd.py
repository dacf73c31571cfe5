"""BG/NBD: how many purchases a repeat-purchase customer will make, and whether they are still "alive".

Fader, P.S., Hardie, B.G.S., Lee, K.L. (2005) "Counting Your Customers the Easy Way: An
Alternative to the Pareto/NBD Model", Marketing Science 24(2):275-284. While alive, a customer
buys at a Poisson rate lambda ~ Gamma(r, alpha); after each purchase they drop out with
probability p ~ Beta(a, b). A customer is summarised by x (repeat purchases), t_x (time of the
last purchase since the first) and T (time since the first purchase), all in one period unit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import digamma, expit, gammaln, hyp2f1

from salesmind.core.errors import UserInputError
from salesmind.customers.mle import MaximumLikelihoodModel, compress, maximize

PARAMS = ("r", "alpha", "a", "b")
ArrayLike = Any


def _as_arrays(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> tuple[np.ndarray, ...]:
    x, tx, age = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    if not (x.shape == tx.shape == age.shape):
        raise UserInputError(f"frequency, recency and T differ in length ({x.shape}, {tx.shape}, {age.shape})")
    if x.size and (np.any(x < 0) or np.any(x != np.round(x))):
        raise UserInputError("frequency must be a whole number of repeat purchases, 0 or more")
    if np.any(tx < 0) or np.any(tx > age + 1e-9) or np.any((x == 0) & (tx != 0)):
        raise UserInputError("recency must lie between 0 and T, and be 0 for customers without repeat purchases")
    if np.any(~np.isfinite(age)) or np.any(age < 0):
        raise UserInputError("T (time since the first purchase) must be finite and not negative")
    return x, tx, age


def log_likelihood_terms(log_params: np.ndarray, x: np.ndarray, tx: np.ndarray,
                         T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's BG/NBD log-likelihood and its gradient in (log r, log alpha, log a, log b).

    The likelihood (FHL 2005, eq. 6) is A * [ (alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x) ]
    with A = B(a, b+x)/B(a, b) * Gamma(r+x) alpha^r / Gamma(r); the two terms are combined in logs.
    """
    r, alpha, a, b = np.exp(log_params)
    repeat = x > 0
    head = (gammaln(r + x) - gammaln(r) + r * np.log(alpha)
            + gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x))
    still = -(r + x) * np.log(alpha + T)
    bm1 = np.where(repeat, b + x - 1, 1.0)
    gone = np.where(repeat, np.log(a) - np.log(bm1) - (r + x) * np.log(alpha + tx), -np.inf)
    tail = np.logaddexp(still, gone)
    w = np.exp(gone - tail)  # share of the likelihood from "dropped out after the last purchase"
    ll = head + tail
    d_r = (digamma(r + x) - digamma(r) + np.log(alpha)
           - (1 - w) * np.log(alpha + T) - w * np.log(alpha + tx))
    d_alpha = r / alpha - (1 - w) * (r + x) / (alpha + T) - w * (r + x) / (alpha + tx)
    common = digamma(a + b) - digamma(a + b + x)
    d_a = common + w / a
    d_b = common + digamma(b + x) - digamma(b) - np.where(repeat, w / bm1, 0.0)
    grad = np.column_stack([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return ll, grad


class BetaGeoModel(MaximumLikelihoodModel):
    """BG/NBD fitted by maximum likelihood with the analytic gradient (L-BFGS-B on log-parameters).

    After ``fit``: ``params_`` (r, alpha, a, b), ``log_likelihood_``, ``covariance_`` (asymptotic
    covariance of the log-parameters, from the Hessian) and ``standard_errors_`` (delta method).
    Times are in whatever period unit the data use (weeks for CDNOW).
    """

    PARAMS = PARAMS

    def __init__(self, start: tuple[float, float, float, float] | None = None) -> None:
        self.start = start

    def fit(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike,
            weights: ArrayLike | None = None) -> BetaGeoModel:
        """Fit to customers' (x, t_x, T); ``weights`` count customers sharing a row."""
        x, tx, age = _as_arrays(frequency, recency, T)
        if x.size == 0:
            raise UserInputError("no customers to fit the BG/NBD model to")
        if not np.any(x > 0):
            raise UserInputError("no customer has a repeat purchase: the BG/NBD model cannot be fitted")
        (x, tx, age), w, _ = compress(x, tx, age, weights=weights)
        total = float(w.sum())

        def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
            ll, grad = log_likelihood_terms(log_params, x, tx, age)
            return -float(w @ ll) / total, -(w @ grad) / total

        start = self.start or (1.0, float(np.average(age, weights=w)) or 1.0, 1.0, 1.0)
        self._store(maximize(objective, np.log(start), total, "BG/NBD"))
        return self

    def probability_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike,
                          params: np.ndarray | None = None) -> np.ndarray:
        """P(still alive at T | x, t_x, T) (FHL 2005 eq. 11; 1 for customers without repeat purchases)."""
        r, alpha, a, b = self._fitted(params)
        x, tx, age = _as_arrays(frequency, recency, T)
        return expit(-_log_odds_gone(r, alpha, a, b, x, tx, age))

    def conditional_expected_purchases(self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike,
                                       T: ArrayLike, params: np.ndarray | None = None) -> np.ndarray:
        """E[purchases in (T, T+t] | x, t_x, T] (FHL 2005 eq. 10)."""
        r, alpha, a, b = self._fitted(params)
        x, tx, age = _as_arrays(frequency, recency, T)
        t = np.asarray(t, dtype=float)
        # Pfaff's transformation turns ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))
        # into 2F1(r+x, a-1; a+b+x-1; -t/(alpha+T)): no huge power times a huge series for heavy buyers.
        series = hyp2f1(r + x, a - 1, a + b + x - 1, -t / (alpha + age))
        numerator = (a + b + x - 1) / (a - 1) * (1 - series)
        return numerator * expit(-_log_odds_gone(r, alpha, a, b, x, tx, age))

    def expected_purchases_new_customer(self, t: ArrayLike, params: np.ndarray | None = None) -> np.ndarray:
        """E[X(t)]: purchases a new customer makes in a period of length t (FHL 2005 eq. 9)."""
        r, alpha, a, b = self._fitted(params)
        t = np.asarray(t, dtype=float)
        return (a + b - 1) / (a - 1) * (1 - hyp2f1(r, a - 1, a + b - 1, -t / alpha))


def _log_odds_gone(r: float, alpha: float, a: float, b: float, x: np.ndarray, tx: np.ndarray,
                   T: np.ndarray) -> np.ndarray:
    """log of a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x): odds of having dropped out; -inf when x = 0."""
    repeat = x > 0
    bm1 = np.where(repeat, b + x - 1, 1.0)
    odds = np.log(a) - np.log(bm1) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return np.where(repeat, odds, -np.inf)


def simulate(params: ArrayLike, T: ArrayLike, rng: np.random.Generator) -> pd.DataFrame:
    """Draw (frequency, recency, T) for customers observed for ``T`` periods from a BG/NBD with ``params``."""
    r, alpha, a, b = np.asarray(params, dtype=float)
    age = np.asarray(T, dtype=float)
    n = age.size
    rate = rng.gamma(r, 1.0 / alpha, size=n)
    drop = rng.beta(a, b, size=n)
    x, last, now = np.zeros(n, dtype=int), np.zeros(n), np.zeros(n)
    active = np.arange(n)
    while active.size:
        now[active] += rng.exponential(1.0, size=active.size) / rate[active]
        bought = active[now[active] <= age[active]]
        x[bought] += 1
        last[bought] = now[bought]
        active = bought[rng.random(bought.size) >= drop[bought]]
    return pd.DataFrame({"frequency": x, "recency": last, "T": age})
