"""Frequency tables over binned features: the naive-Bayes model open-source CRMs use.

Numbers are cut at training quantiles, categories keep their values, and missing is a bin of
its own. The naive-Bayes log-odds is a sum of one term per feature, so its explanation is exact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MISSING_BIN = -1


def scored_features(features: pd.DataFrame) -> list[str]:
    """Features a frequency table should use: the "(frequency)" encodings repeat their category."""
    return [c for c in features.columns if not str(c).endswith("(frequency)")]


class Binner:
    """Cut every feature into a small number of bins learned from training data."""

    def __init__(self, quantiles: int = 10, max_categories: int = 30) -> None:
        self.quantiles = quantiles
        self.max_categories = max_categories

    def fit(self, features: pd.DataFrame) -> Binner:
        """Learn quantile edges for numbers and the kept values of categories."""
        self.edges_: dict[str, np.ndarray] = {}
        self.values_: dict[str, list[str]] = {}
        for name in scored_features(features):
            col = features[name]
            if isinstance(col.dtype, pd.CategoricalDtype):
                top = col.value_counts().index[: self.max_categories]
                self.values_[name] = [str(v) for v in top]
            else:
                qs = np.linspace(0, 1, self.quantiles + 1)[1:-1]
                self.edges_[name] = np.unique(np.nanquantile(col.astype(float), qs)) \
                    if col.notna().any() else np.array([])
        return self

    def transform(self, features: pd.DataFrame) -> pd.DataFrame:
        """Integer bin codes (``MISSING_BIN`` for missing; categories not kept share the last)."""
        out = {}
        for name, values in self.values_.items():
            lookup = {v: i for i, v in enumerate(values)}
            codes = features[name].astype(object).map(lambda v, lk=lookup: lk.get(str(v), len(lk)))
            out[name] = codes.where(features[name].notna(), MISSING_BIN).astype(int)
        for name, edges in self.edges_.items():
            col = features[name].astype(float)
            codes = np.searchsorted(edges, col.to_numpy(), side="right")
            out[name] = pd.Series(np.where(col.isna(), MISSING_BIN, codes), index=features.index)
        return pd.DataFrame(out, index=features.index)

    def labels(self, name: str) -> list[str]:
        """Readable label per bin code of one feature (index ``code``; missing is the last)."""
        if name in self.values_:
            return [*self.values_[name], "(other)", "(missing)"]
        edges = self.edges_[name]
        bounds = [-np.inf, *edges, np.inf]
        return [f"[{lo:.4g}, {hi:.4g})" for lo, hi in zip(bounds[:-1], bounds[1:])] + ["(missing)"]


class FrequencyTable:
    """Per-bin Laplace-smoothed log-likelihood ratios; margin = prior log-odds + their sum."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def fit(self, codes: pd.DataFrame, y: np.ndarray) -> FrequencyTable:
        """Count each bin among positives and negatives."""
        y = np.asarray(y, int)
        n1, n0 = int(y.sum()), int(len(y) - y.sum())
        self.prior_ = float(np.log((n1 + self.alpha) / (n0 + self.alpha)))
        self.ratios_: dict[str, dict[int, float]] = {}
        for name in codes.columns:
            table = pd.crosstab(codes[name], y).reindex(columns=[0, 1], fill_value=0)
            bins = len(table) + 1  # one spare bin for values never seen in training
            pos = (table[1] + self.alpha) / (n1 + self.alpha * bins)
            neg = (table[0] + self.alpha) / (n0 + self.alpha * bins)
            self.ratios_[name] = {int(k): float(v) for k, v in np.log(pos / neg).items()}
        return self

    def contributions(self, codes: pd.DataFrame) -> np.ndarray:
        """Matrix of per-feature log-odds terms, with the prior as the last column."""
        cols = [codes[name].map(ratios).fillna(0.0).to_numpy(float)
                for name, ratios in self.ratios_.items()]
        return np.column_stack([*cols, np.full(len(codes), self.prior_)])
