"""Gamma-Gamma: what a repeat customer's average purchase is worth.

Fader, P.S., Hardie, B.G.S., Lee, K.L. (2005) "RFM and CLV: Using Iso-Value Curves for Customer
Base Analysis", Journal of Marketing Research 42(4):415-430 (after Colombo & Jiang 1999). Each
purchase value is Gamma(p, nu) with nu ~ Gamma(q, gamma) across customers; the model is fitted on
customers with at least one repeat purchase, from their number of repeat purchases x and the
mean value m_x of those purchases, and assumes spend does not depend on how often one buys.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import digamma, gammaln

from salesmind.core.errors import UserInputError
from salesmind.customers.mle import MaximumLikelihoodModel, compress, maximize

PARAMS = ("p", "q", "gamma")
ArrayLike = Any


def log_likelihood_terms(log_params: np.ndarray, x: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's log-density of the mean spend m_x given x, and its gradient in (log p, log q, log gamma).

    f(m_x | x) = Gamma(px+q) / (Gamma(px) Gamma(q)) gamma^q m_x^(px-1) x^(px) / (gamma + m_x x)^(px+q).
    """
    p, q, g = np.exp(log_params)
    px = p * x
    spend = g + m * x
    ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g)
          + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(spend))
    d_p = x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - np.log(spend))
    d_q = digamma(px + q) - digamma(q) + np.log(g) - np.log(spend)
    d_g = q / g - (px + q) / spend
    return ll, np.column_stack([d_p * p, d_q * q, d_g * g])


class GammaGammaModel(MaximumLikelihoodModel):
    """Gamma-Gamma spend model fitted by maximum likelihood with the analytic gradient.

    After ``fit``: ``params_`` (p, q, gamma), ``log_likelihood_``, ``covariance_`` (of the
    log-parameters) and ``standard_errors_``. Customers without repeat purchases are left out of
    the fit, as in the paper.
    """

    PARAMS = PARAMS

    def fit(self, frequency: ArrayLike, monetary_value: ArrayLike,
            weights: ArrayLike | None = None) -> GammaGammaModel:
        """Fit to repeat buyers' (x, mean repeat spend); rows with x = 0 are ignored."""
        x = np.asarray(frequency, dtype=float)
        m = np.asarray(monetary_value, dtype=float)
        if x.shape != m.shape:
            raise UserInputError(f"frequency and monetary_value differ in length ({x.shape}, {m.shape})")
        w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
        repeat = x > 0
        if np.any(repeat & ~(m > 0)):
            bad = int(np.sum(repeat & ~(m > 0)))
            raise UserInputError(f"{bad} repeat buyer(s) have a mean spend that is not positive; "
                                 "the Gamma-Gamma model needs positive purchase values")
        if repeat.sum() < 2:
            raise UserInputError(f"{int(repeat.sum())} repeat buyer(s): too few to fit the Gamma-Gamma model")
        (x, m), w, _ = compress(x[repeat], m[repeat], weights=w[repeat])
        total = float(w.sum())

        def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
            ll, grad = log_likelihood_terms(log_params, x, m)
            return -float(w @ ll) / total, -(w @ grad) / total

        start = np.log([1.0, 2.0, float(np.average(m, weights=w))])
        self._store(maximize(objective, start, total, "Gamma-Gamma"))
        return self

    def conditional_expected_average_profit(self, frequency: ArrayLike, monetary_value: ArrayLike,
                                            params: np.ndarray | None = None) -> np.ndarray:
        """E[value of a purchase | x, m_x]: the customer's mean pulled towards the population mean.

        (gamma + m_x x) p / (p x + q - 1); the population mean gamma p / (q - 1) when x = 0. NaN when
        q <= 1 (the population mean does not exist).
        """
        p, q, g = self._fitted(params)
        x = np.asarray(frequency, dtype=float)
        m = np.where(x > 0, np.asarray(monetary_value, dtype=float), 0.0)
        if q <= 1:
            return np.full(np.broadcast(x, m).shape, np.nan)
        return (g + m * x) * p / (p * x + q - 1)
