"""The models salesmind is measured against, and its cold-start fallback.

- :class:`NaiveBayesScorer`: a naive-Bayes frequency table (as open-source CRMs ship), calibrated
  by Platt or isotonic on five-fold out-of-fold margins; also the cold-start model.
- :class:`PointsScorer`: a marketing-automation style points score: for the eight most telling
  columns, each quantile/category bin earns -10, -5, 0, +5 or +10 points by how far its
  conversion rate sits from the overall rate; points are summed and mapped to a probability by
  the observed rate per score (isotonic on the training rows).
- :class:`LogisticScorer`: logistic regression on one-hot categories and scaled numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from salesmind.scoring.base import BaseScorer, group_by_source
from salesmind.scoring.calibration import Calibrator, choose_method
from salesmind.scoring.frequency import Binner, FrequencyTable


class NaiveBayesScorer(BaseScorer):
    """Naive-Bayes frequency table over binned columns, with calibrated output."""

    def __init__(self, target: str | None = None, exclude: tuple[str, ...] = (),
                 time_column: str | None = None, alpha: float = 1.0, random_state: int = 0) -> None:
        self.target = target
        self.exclude = exclude
        self.time_column = time_column
        self.alpha = alpha
        self.random_state = random_state

    def _fit_table(self, features: pd.DataFrame, y: np.ndarray) -> tuple[Binner, FrequencyTable]:
        binner = Binner().fit(features)
        return binner, FrequencyTable(self.alpha).fit(binner.transform(features), y)

    def _fit(self, X: pd.DataFrame, y: np.ndarray) -> None:
        self.preparer_ = self._new_preparer().fit(X)
        features = self.preparer_.transform(X)
        oof = np.zeros(len(y))
        splits = min(5, int(min(np.bincount(y))))
        if splits >= 2:
            folds = StratifiedKFold(splits, shuffle=True, random_state=self.random_state)
            for fit_idx, test_idx in folds.split(features, y):
                binner, table = self._fit_table(features.iloc[fit_idx], y[fit_idx])
                codes = binner.transform(features.iloc[test_idx])
                oof[test_idx] = table.contributions(codes).sum(1)
        self.binner_, self.table_ = self._fit_table(features, y)
        if splits < 2:
            oof = self.table_.contributions(self.binner_.transform(features)).sum(1)
        self.calibration_method_, _ = choose_method(oof, y, self.random_state)
        self.calibrator_ = Calibrator(self.calibration_method_).fit(oof, y)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Log-odds term of each source column per row, plus the prior as the base value."""
        return self.scored(X)[1]

    def scored(self, X: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
        """Probability of the positive outcome and :meth:`contributions`, binning once (the
        probability is the calibrated sum of the contributions)."""
        self._check_fitted()
        X = self._drop_target(X)
        codes = self.binner_.transform(self.preparer_.transform(X))
        contrib = self.table_.contributions(codes)
        return (self.calibrator_.predict(contrib.sum(1)),
                group_by_source(contrib, list(codes.columns), self.preparer_.source_of_, X.index))

    def _positive_proba(self, X: pd.DataFrame) -> np.ndarray:
        codes = self.binner_.transform(self.preparer_.transform(X))
        return self.calibrator_.predict(self.table_.contributions(codes).sum(1))


def _points(rate: float, base: float) -> int:
    ratio = rate / base if base > 0 else 1.0
    if ratio >= 1.5:
        return 10
    if ratio >= 1.2:
        return 5
    if ratio <= 0.5:
        return -10
    if ratio <= 0.8:
        return -5
    return 0


class PointsScorer(BaseScorer):
    """Rule points per bin of the most telling columns, summed, mapped to a probability."""

    def __init__(self, target: str | None = None, exclude: tuple[str, ...] = (),
                 time_column: str | None = None, n_columns: int = 8,
                 min_bin_rows: int = 20) -> None:
        self.target = target
        self.exclude = exclude
        self.time_column = time_column
        self.n_columns = n_columns
        self.min_bin_rows = min_bin_rows

    def _fit(self, X: pd.DataFrame, y: np.ndarray) -> None:
        self.preparer_ = self._new_preparer().fit(X)
        features = self.preparer_.transform(X)
        self.binner_ = Binner(quantiles=5, max_categories=10).fit(features)
        codes = self.binner_.transform(features)
        base = float(y.mean())
        tables, strength = {}, {}
        for name in codes.columns:
            stats = pd.Series(y).groupby(codes[name].to_numpy()).agg(["mean", "size"])
            stats = stats[stats["size"] >= self.min_bin_rows]
            tables[name] = {int(c): _points(r, base) for c, r in stats["mean"].items()}
            rule = codes[name].map(tables[name]).fillna(0)
            strength[name] = abs(roc_auc_score(y, rule) - 0.5) if rule.nunique() > 1 else 0.0
        chosen = sorted(strength, key=strength.__getitem__, reverse=True)[: self.n_columns]
        self.points_ = {name: tables[name] for name in chosen}
        self.mapping_ = IsotonicRegression(out_of_bounds="clip", y_min=1e-4, y_max=1 - 1e-4)
        self.mapping_.fit(self._total(codes), y)

    def _total(self, codes: pd.DataFrame) -> np.ndarray:
        return sum((codes[n].map(p).fillna(0).to_numpy(float) for n, p in self.points_.items()),
                   start=np.zeros(len(codes)))

    def _positive_proba(self, X: pd.DataFrame) -> np.ndarray:
        codes = self.binner_.transform(self.preparer_.transform(X))
        return self.mapping_.predict(self._total(codes))


class LogisticScorer(BaseScorer):
    """L2 logistic regression: one-hot categories, median-imputed and scaled numbers."""

    def __init__(self, target: str | None = None, exclude: tuple[str, ...] = (),
                 time_column: str | None = None, C: float = 1.0) -> None:
        self.target = target
        self.exclude = exclude
        self.time_column = time_column
        self.C = C

    def _matrix(self, X: pd.DataFrame) -> pd.DataFrame:
        features = self.preparer_.transform(X)
        for name in self.categorical_:
            col = features[name]
            features[name] = col.astype(object).where(col.notna(), "(missing)")
        return features

    def _fit(self, X: pd.DataFrame, y: np.ndarray) -> None:
        self.preparer_ = self._new_preparer().fit(X)
        raw = self.preparer_.transform(X)
        self.categorical_ = [c for c in raw.columns
                             if isinstance(raw[c].dtype, pd.CategoricalDtype)]
        numeric = [c for c in raw.columns if c not in self.categorical_]
        encode = ColumnTransformer([
            ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True,
                                                keep_empty_features=True), StandardScaler()),
             numeric),
            ("cat", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=10),
             self.categorical_),
        ])
        self.pipeline_ = make_pipeline(encode, LogisticRegression(C=self.C, max_iter=2000))
        self.pipeline_.fit(self._matrix(X), y)

    def _positive_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.pipeline_.predict_proba(self._matrix(X))[:, 1]
