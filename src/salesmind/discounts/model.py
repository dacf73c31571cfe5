"""Win probability as a function of the discount and the deal: a monotone, calibrated LightGBM.

The gradient-boosted trees carry a ``+1`` monotone constraint on ``discount_pct`` (LightGBM's
``monotone_constraints`` with the ``advanced`` method), so a larger discount never lowers the raw
score. The score is then mapped to a probability by a calibrator fitted on a later slice of deals
(Platt or isotonic, whichever has the lower cross-fitted log loss: both maps are non-decreasing),
so the calibrated probability is still non-decreasing in the discount.
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd

from salesmind.core.errors import NotFittedError
from salesmind.discounts.features import CATEGORICAL, FEATURES, MISSING
from salesmind.scoring.calibration import Calibrator, choose_method


class DiscountModel:
    """p(win | discount, deal): LightGBM (monotone in the discount unless ``monotone=False``) + calibration."""

    def __init__(self, *, monotone: bool = True, calibration: str = "auto", n_estimators: int = 300,
                 learning_rate: float = 0.03, num_leaves: int = 7, min_child_samples: int = 10,
                 random_state: int = 0) -> None:
        self.monotone = monotone
        self.calibration = calibration
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.random_state = random_state

    def _frame(self, rows: pd.DataFrame) -> pd.DataFrame:
        X = rows[FEATURES].copy()
        for column in CATEGORICAL:
            values = X[column].fillna(MISSING).astype(str)
            X[column] = pd.Categorical(values.where(values.isin(self.categories_[column]), MISSING),
                                       categories=self.categories_[column])
        for column in FEATURES:
            if column not in CATEGORICAL:
                X[column] = pd.to_numeric(X[column], errors="coerce").astype(float)
        return X

    def fit(self, rows: pd.DataFrame, won: np.ndarray) -> DiscountModel:
        """Learn the trees from ``rows`` (the FEATURES columns) and their 0/1 outcomes."""
        self.categories_ = {c: sorted(set(rows[c].fillna(MISSING).astype(str)) | {MISSING}) for c in CATEGORICAL}
        params = {"n_estimators": self.n_estimators, "learning_rate": self.learning_rate,
                  "num_leaves": self.num_leaves, "min_child_samples": self.min_child_samples, "subsample": 0.9,
                  "subsample_freq": 1, "colsample_bytree": 0.9, "reg_lambda": 1.0, "random_state": self.random_state,
                  "n_jobs": 1, "verbose": -1, "min_data_per_group": 5, "cat_smooth": 10.0}
        if self.monotone:
            params.update(monotone_constraints=[1 if f == "discount_pct" else 0 for f in FEATURES],
                          monotone_constraints_method="advanced")
        self.booster_ = lgb.LGBMClassifier(**params).fit(self._frame(rows), np.asarray(won, int))
        return self

    def margin(self, rows: pd.DataFrame) -> np.ndarray:
        """The trees' raw score (log-odds before calibration)."""
        if not hasattr(self, "booster_"):
            raise NotFittedError("DiscountModel is not fitted yet: call fit() first")
        return self.booster_.predict(self._frame(rows), raw_score=True)

    def calibrate(self, rows: pd.DataFrame, won: np.ndarray) -> DiscountModel:
        """Fit the score-to-probability map on later deals than the trees saw."""
        margin, won = self.margin(rows), np.asarray(won, int)
        method = self.calibration
        if method == "auto":
            method, self.calibration_losses_ = choose_method(margin, won)
        calibrator = Calibrator(method).fit(margin, won)
        if method == "sigmoid" and calibrator.model_.coef_[0, 0] <= 0:
            calibrator = Calibrator("isotonic").fit(margin, won)  # a falling map would break monotonicity
        self.calibrator_ = calibrator
        return self

    def predict_proba(self, rows: pd.DataFrame) -> np.ndarray:
        """Calibrated win probability of each row (the raw sigmoid before :meth:`calibrate`)."""
        margin = self.margin(rows)
        if not hasattr(self, "calibrator_"):
            return 1.0 / (1.0 + np.exp(-margin))
        return self.calibrator_.predict(margin)

    def curve(self, rows: pd.DataFrame, grid: np.ndarray) -> np.ndarray:
        """Win probability of each row (axis 0) at each discount of ``grid`` (axis 1)."""
        grid = np.asarray(grid, float)
        repeated = rows.loc[rows.index.repeat(len(grid))].reset_index(drop=True)
        repeated["discount_pct"] = np.tile(grid, len(rows))
        return self.predict_proba(repeated).reshape(len(rows), len(grid))

    def contributions(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Each feature's SHAP contribution to the raw score (LightGBM ``pred_contrib``), one row per deal."""
        if not hasattr(self, "booster_"):
            raise NotFittedError("DiscountModel is not fitted yet: call fit() first")
        values = self.booster_.predict(self._frame(rows), pred_contrib=True)
        return pd.DataFrame(np.asarray(values)[:, :len(FEATURES)], columns=FEATURES, index=rows.index)

    def __repr__(self) -> str:
        return f"DiscountModel(monotone={self.monotone}, calibration={self.calibration!r})"
