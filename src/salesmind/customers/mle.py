"""Maximum likelihood on log-parameters, shared by the buy-till-you-die models (BG/NBD, Gamma-Gamma).

A model supplies the mean negative log-likelihood and its analytic gradient with respect to the
log of its positive parameters; :func:`maximize` runs L-BFGS-B from a start point, and the
asymptotic covariance of the log-parameters is the inverse of the Hessian of the total negative
log-likelihood, taken by central differences of the analytic gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from salesmind.core.errors import NotFittedError, UserInputError

#: f(log_params) -> (mean negative log-likelihood, its gradient in log-parameters).
Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]
#: Log-parameters stay inside this box (exp(±20) is far outside any plausible value).
LOG_BOUND = 20.0
#: Converged when the largest gradient component of the mean negative log-likelihood is below this.
#: (1e-4: on small books the optimum can lie at infinity, e.g. BG/NBD's a and b growing together when
#: the dropout probability is the same for everyone; L-BFGS-B then stops with a gradient near 1e-5.)
GRADIENT_TOLERANCE = 1e-4


@dataclass(frozen=True)
class MLEResult:
    """The maximum, the log-likelihood there and the covariance of the log-parameters."""

    log_params: np.ndarray
    log_likelihood: float
    covariance: np.ndarray
    iterations: int


def _one_blas_thread() -> AbstractContextManager[object]:
    """L-BFGS-B's tiny matrix steps are ~100x slower with OpenBLAS threads on a busy machine."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    return threadpool_limits(1, user_api="blas")


def maximize(objective: Objective, start: np.ndarray, total_weight: float, model: str) -> MLEResult:
    """Maximise the likelihood whose mean negative log is ``objective``; ``total_weight`` customers."""
    with _one_blas_thread():
        result = minimize(objective, np.asarray(start, dtype=float), jac=True, method="L-BFGS-B",
                          bounds=[(-LOG_BOUND, LOG_BOUND)] * len(start),
                          options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20})
    gradient = objective(result.x)[1]
    if not np.all(np.isfinite(result.x)) or np.max(np.abs(gradient)) > GRADIENT_TOLERANCE:
        raise UserInputError(f"the {model} model did not converge on these data ({result.message}); "
                             "there may be too few customers or repeat purchases to fit it")
    hessian = numeric_hessian(lambda p: objective(p)[1], result.x) * total_weight
    return MLEResult(result.x, -float(result.fun) * total_weight, covariance_from_hessian(hessian),
                     int(result.nit))


def numeric_hessian(gradient: Callable[[np.ndarray], np.ndarray], point: np.ndarray,
                    step: float = 1e-5) -> np.ndarray:
    """Symmetric Hessian by central differences of an analytic ``gradient`` at ``point``."""
    k = len(point)
    out = np.empty((k, k))
    for j in range(k):
        shift = np.zeros(k)
        shift[j] = step
        out[:, j] = (gradient(point + shift) - gradient(point - shift)) / (2 * step)
    return (out + out.T) / 2


def covariance_from_hessian(hessian: np.ndarray) -> np.ndarray:
    """Inverse of a positive-definite Hessian; NaN when it is not (a flat or saddle maximum)."""
    try:
        np.linalg.cholesky(hessian)
    except np.linalg.LinAlgError:
        return np.full_like(hessian, np.nan)
    return np.linalg.inv(hessian)


def draw_log_params(result_log_params: np.ndarray, covariance: np.ndarray, draws: int,
                    rng: np.random.Generator) -> np.ndarray:
    """``draws`` rows of log-parameters from the asymptotic normal N(estimate, covariance).

    Without a covariance (the Hessian was not positive definite) every row is the estimate.
    """
    if not np.all(np.isfinite(covariance)):
        return np.tile(result_log_params, (draws, 1))
    return rng.multivariate_normal(result_log_params, covariance, size=draws, method="cholesky")


def compress(*columns: np.ndarray,
             weights: np.ndarray | None = None) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Unique rows of ``columns``, the summed weight of each, and each input row's unique row.

    Many customers share a (frequency, recency, T) pattern, so likelihoods and predictions are
    computed once per pattern.
    """
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:  # hash-factorise column by column (np.unique(axis=0) sorts, 10x slower)
        codes, levels = pd.factorize(np.asarray(column, dtype=float))
        key = pd.factorize(key * len(levels) + codes)[0]
    inverse, count = key, int(key.max()) + 1 if key.size else 0
    first = np.empty(count, dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(inverse))[::-1]
    w = np.ones(len(inverse)) if weights is None else np.asarray(weights, dtype=float)
    summed = np.bincount(inverse, weights=w, minlength=count)
    return [np.asarray(c, dtype=float)[first] for c in columns], summed, inverse


class MaximumLikelihoodModel:
    """Shared state of a model fitted by :func:`maximize`: parameters, covariance, draws, repr."""

    PARAMS: tuple[str, ...] = ()

    def _store(self, result: MLEResult) -> None:
        self.log_params_ = result.log_params
        self.params_ = pd.Series(np.exp(result.log_params), index=self.PARAMS)
        self.log_likelihood_ = result.log_likelihood
        self.covariance_ = result.covariance
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(result.covariance)) * self.params_.to_numpy(),
                                          index=self.PARAMS)

    def _fitted(self, params: np.ndarray | None = None) -> np.ndarray:
        """``params`` when given, else the fitted ones (NotFittedError before ``fit``)."""
        if params is not None:
            return np.asarray(params, dtype=float)
        if not hasattr(self, "params_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit first")
        return self.params_.to_numpy()

    def sample_params(self, draws: int, rng: np.random.Generator) -> np.ndarray:
        """``draws`` parameter vectors from the asymptotic normal of the log-parameters."""
        self._fitted()
        return np.exp(draw_log_params(self.log_params_, self.covariance_, draws, rng))

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}()"
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({shown}, log_likelihood={self.log_likelihood_:.2f})"
