"""Map raw model margins to calibrated probabilities: Platt (sigmoid) or isotonic.

The method is chosen on held-out margins by cross-fitting: each method is fit on one half of
the held-out rows and scored (log loss) on the other half, both ways round, and the lower mean
log loss wins. Isotonic needs more data to beat Platt, so small held-out sets tend to pick Platt.
The chosen method is then refit on all the held-out rows it is meant for.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold

from salesmind.core.errors import NotFittedError

METHODS = ("isotonic", "sigmoid")
_EPS = 1e-4


class Calibrator:
    """A one-dimensional map from margin (log-odds scale) to probability."""

    def __init__(self, method: str = "sigmoid") -> None:
        self.method = method

    def fit(self, margin: np.ndarray, y: np.ndarray) -> Calibrator:
        """Learn the map from held-out margins and their 0/1 outcomes."""
        margin, y = np.asarray(margin, float).reshape(-1), np.asarray(y, float)
        if self.method == "isotonic":
            self.model_ = IsotonicRegression(out_of_bounds="clip", y_min=_EPS, y_max=1 - _EPS)
            self.model_.fit(margin, y)
        elif self.method == "sigmoid":
            self.model_ = LogisticRegression(C=1e6, max_iter=1000)
            self.model_.fit(margin.reshape(-1, 1), y)
        else:
            raise ValueError(f"unknown calibration method {self.method!r}; use one of {METHODS}")
        return self

    def predict(self, margin: np.ndarray) -> np.ndarray:
        """Calibrated probability of the positive class for each margin."""
        if not hasattr(self, "model_"):
            raise NotFittedError("Calibrator is not fitted yet: call fit() first")
        margin = np.asarray(margin, float).reshape(-1)
        if self.method == "isotonic":
            return np.clip(self.model_.predict(margin), _EPS, 1 - _EPS)
        # What ``predict_proba`` computes for one feature (expit of the decision function),
        # without its input validation, which cost more than the arithmetic for one row.
        return expit(margin * self.model_.coef_[0, 0] + self.model_.intercept_[0])


def stacked_log_loss(margins: np.ndarray, y: np.ndarray, seed: int = 0) -> float:
    """Two-fold cross-fitted log loss of a logistic regression on one or more margin columns."""
    y = np.asarray(y, int)
    margins = np.asarray(margins, float).reshape(len(y), -1)
    folds = StratifiedKFold(n_splits=2, shuffle=True, random_state=seed)
    scores = []
    for fit_idx, test_idx in folds.split(margins, y):
        model = LogisticRegression(C=1e4).fit(margins[fit_idx], y[fit_idx])
        scores.append(log_loss(y[test_idx], model.predict_proba(margins[test_idx])[:, 1],
                               labels=[0, 1]))
    return float(np.mean(scores))


def choose_method(margin: np.ndarray, y: np.ndarray, seed: int = 0) -> tuple[str, dict[str, float]]:
    """The method with the lower two-fold cross-fitted log loss, and each method's log loss."""
    margin, y = np.asarray(margin, float), np.asarray(y, int)
    if min(np.bincount(y, minlength=2)) < 2:
        return "sigmoid", {}
    folds = StratifiedKFold(n_splits=2, shuffle=True, random_state=seed)
    losses: dict[str, float] = {}
    for method in METHODS:
        scores = []
        for fit_idx, test_idx in folds.split(margin.reshape(-1, 1), y):
            cal = Calibrator(method).fit(margin[fit_idx], y[fit_idx])
            scores.append(log_loss(y[test_idx], cal.predict(margin[test_idx]), labels=[0, 1]))
        losses[method] = float(np.mean(scores))
    return min(losses, key=losses.__getitem__), losses
