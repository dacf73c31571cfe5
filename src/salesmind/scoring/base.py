"""What every salesmind scorer shares: the estimator contract and the target boundary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.scoring.columns import ColumnPreparer
from salesmind.scoring.target import normalize_target

BASE_VALUE = "(base value)"


def split_target(X: pd.DataFrame, y: object, target: str | None) -> tuple[pd.DataFrame, np.ndarray]:
    """Features and 0/1 labels from ``(X, y)`` or ``X[target]``; unlabelled rows are left out."""
    if not isinstance(X, pd.DataFrame):
        raise UserInputError(f"expected a pandas DataFrame, got {type(X).__name__}")
    if y is None:
        if target is None:
            raise UserInputError("give the outcome as y or name its column with target=")
        if target not in X.columns:
            raise UserInputError(f"target column {target!r} is not in the table; "
                                 f"columns are {list(X.columns)[:30]}")
        y, X = X[target], X.drop(columns=[target])
    labels = normalize_target(pd.Series(y, index=X.index, name=target or "target"))
    known = labels.notna().to_numpy()
    return X.loc[known], labels.to_numpy()[known].astype(int)


def group_by_source(contrib: np.ndarray, features: list[str], source_of: dict[str, str],
                    index: pd.Index) -> pd.DataFrame:
    """Sum per-feature contributions (last column = base value) into one column per source."""
    frame = pd.DataFrame(contrib[:, :-1], columns=features, index=index)
    grouped = frame.T.groupby([source_of[f] for f in features], sort=False).sum().T
    grouped[BASE_VALUE] = contrib[:, -1]
    return grouped


class BaseScorer:
    """fit(X, y) → self; predict_proba(X) → (n, 2); learned attributes end in ``_``.

    Subclasses implement ``_fit(X, y)`` on a clean frame with 0/1 labels and
    ``_positive_proba(X)``; the public methods check input and fitted state once, here.
    """

    target: str | None = None
    exclude: tuple[str, ...] | list[str] = ()
    time_column: str | None = None

    def fit(self, X: pd.DataFrame, y: object = None) -> BaseScorer:
        """Learn from a table; ``y`` may be omitted when ``target`` names a column of ``X``."""
        features, labels = split_target(X, y, self.target)
        if len(np.unique(labels)) < 2:
            raise UserInputError("the outcome has a single class: a model needs both outcomes")
        self._fit(features, labels)
        self.n_positives_ = int(labels.sum())
        self.n_rows_ = int(len(labels))  # set last: its presence marks the model as fitted
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probability of each class, columns ``[negative, positive]``."""
        self._check_fitted()
        p = self._positive_proba(self._drop_target(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """0/1 at a probability threshold of one half."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def _new_preparer(self) -> ColumnPreparer:
        return ColumnPreparer(exclude=tuple(self.exclude), time_column=self.time_column)

    def _drop_target(self, X: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise UserInputError(f"expected a pandas DataFrame, got {type(X).__name__}")
        if self.target is not None and self.target in X.columns:
            return X.drop(columns=[self.target])
        return X

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_rows_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit() first")

    def _fit(self, X: pd.DataFrame, y: np.ndarray) -> None:
        raise NotImplementedError

    def _positive_proba(self, X: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.endswith("_"))
        return f"{type(self).__name__}({shown})"
