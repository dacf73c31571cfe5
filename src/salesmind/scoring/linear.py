"""A spline/one-hot logistic regression over prepared features, with exact per-feature terms.

The second member of :class:`~salesmind.scoring.scorer.TabularScorer`'s blend. Each numeric
feature is mapped to its training quantile (so skewed columns and outliers do no harm), then to
a cubic B-spline basis on that quantile (a smooth curve per column), plus a missing-value flag
when the column had gaps; each categorical feature is one-hot encoded (rare values pooled,
missing is its own value). An L2 logistic regression on these columns gives a margin that is a
*sum of one curve per feature*, so its contribution per feature is exact:
``coef · (basis(x) − mean training basis)``, and the base value is the mean training margin.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import QuantileTransformer, SplineTransformer
from threadpoolctl import threadpool_limits

from salesmind.core.errors import NotFittedError

#: Above this many comparisons (rows x columns x quantiles) :func:`quantile_ranks` interpolates
#: column by column; below it, all columns at once (a few rows: one request).
_COMPARE_CELLS = 1_000_000
#: Rows whose terms are computed in one step (bounds memory: rows x columns x splines floats).
ROWS_AT_ONCE = 20_000


def _interp(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """``numpy.interp(x[:, j], xp[j], fp[j])`` for every column ``j`` at once (same formula)."""
    if x.size * xp.shape[1] > _COMPARE_CELLS:
        return np.column_stack([np.interp(x[:, j], xp[j], fp[j]) for j in range(xp.shape[0])])
    width = xp.shape[1]
    below = (xp[None, :, :] <= x[:, :, None]).sum(axis=2) - 1  # last knot at or below x
    j = np.clip(below, 0, width - 2)
    cols = np.arange(xp.shape[0])[None, :]
    x0, x1, y0, y1 = xp[cols, j], xp[cols, j + 1], fp[cols, j], fp[cols, j + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (y1 - y0) / (x1 - x0) * (x - x0) + y0
    out = np.where(x == x0, y0, out)  # numpy returns a knot's own value exactly
    out = np.where(below >= width - 1, fp[:, -1], out)
    return np.where(below < 0, fp[:, 0], out)


def _padded(knots: np.ndarray, width: int) -> np.ndarray:
    """``knots`` (last axis) widened to ``width`` by repeating the last knot: interpolation on
    them is unchanged, so columns with different numbers of quantiles can be stacked."""
    extra = np.repeat(knots[..., -1:], width - knots.shape[-1], axis=-1)
    return np.concatenate([knots, extra], axis=-1)


def quantile_ranks(values: np.ndarray, quantiles: np.ndarray, references: np.ndarray) -> np.ndarray:
    """What ``QuantileTransformer(output_distribution="uniform").transform`` gives, for many
    columns in one call: ``values`` (rows, columns) without NaN, ``quantiles`` and
    ``references`` (columns, knots). As scikit-learn does, the rank is the mean of the forward
    and the backward interpolation (so repeated quantiles map to the middle of their run), and
    the first and last quantile map to exactly 0 and 1."""
    if values.shape[0] == 0 or values.shape[1] == 0:
        return np.zeros(values.shape)
    ranks = 0.5 * (_interp(values, quantiles, references)
                   - _interp(-values, -quantiles[:, ::-1], -references[:, ::-1]))
    ranks = np.where(values == quantiles[:, -1], 1.0, ranks)
    return np.where(values == quantiles[:, 0], 0.0, ranks)


class _OneHot:
    """One column per category seen at least ``min_frequency`` times (missing counts as a
    category); rarer and unseen values share one "rare" column."""

    def fit(self, col: pd.Series, min_frequency: int) -> _OneHot:
        self.categories_ = list(col.cat.categories)
        counts = np.bincount(self._codes(col), minlength=len(self.categories_) + 1)
        frequent = np.flatnonzero(counts >= min_frequency)
        self.slot_ = np.full(len(counts), len(frequent))  # default: the rare column
        self.slot_[frequent] = np.arange(len(frequent))
        self.width_ = len(frequent) + 1
        return self

    def _codes(self, col: pd.Series) -> np.ndarray:
        if isinstance(col.dtype, pd.CategoricalDtype) and list(col.cat.categories) == \
                self.categories_:
            codes = col.cat.codes.to_numpy(np.int64)
        else:
            codes = np.asarray(pd.Categorical(col.astype(object), categories=self.categories_)
                               .codes, dtype=np.int64)
        return np.where(codes < 0, len(self.categories_), codes)  # missing: the last code

    def transform(self, codes: np.ndarray) -> np.ndarray:
        """One-hot columns of codes from :meth:`_codes`."""
        out = np.zeros((len(codes), self.width_))
        out[np.arange(len(codes)), self.slot_[codes]] = 1.0
        return out


class SplineLogistic:
    """Additive logistic regression: one spline curve per number, one weight per category."""

    def __init__(self, C: float = 0.5, n_knots: int = 6, min_frequency: int = 20,
                 max_iter: int = 500) -> None:
        self.C = C
        self.n_knots = n_knots
        self.min_frequency = min_frequency
        self.max_iter = max_iter

    def fit(self, features: pd.DataFrame, y: np.ndarray) -> SplineLogistic:
        """Learn the encoders from ``features`` and the logistic weights from ``y``."""
        self.columns_ = list(features.columns)
        self.__dict__.pop("_plan_", None)
        self.__dict__.pop("_terms_plan_", None)
        self.encoders_: dict[str, tuple] = {}
        for name in features.columns:
            col = features[name]
            if isinstance(col.dtype, pd.CategoricalDtype):
                self.encoders_[name] = ("category", _OneHot().fit(col, self.min_frequency))
                continue
            values = col.to_numpy(float)
            present = values[~np.isnan(values)]
            if np.unique(present).size < 2:
                continue  # constant (or empty): nothing to learn, its term stays 0
            quantiles = QuantileTransformer(n_quantiles=min(200, present.size)).fit(
                present.reshape(-1, 1))
            spline = SplineTransformer(n_knots=self.n_knots, degree=3, include_bias=False,
                                       knots="uniform").fit(np.array([[0.0], [1.0]]))
            self.encoders_[name] = ("number", (float(np.median(present)),
                                               bool(np.isnan(values).any()), quantiles, spline))
        # One BLAS thread: on a busy machine a multi-threaded solve of this small problem runs
        # tens of times slower (measured 5.5 s vs 0.16 s on 9,240 rows), not faster.
        with threadpool_limits(1):
            blocks = self._blocks(features)
            self.model_ = LogisticRegression(C=self.C, max_iter=self.max_iter).fit(
                np.hstack(list(blocks.values())), y)
        coef = self.model_.coef_.ravel()
        self.slices_: dict[str, slice] = {}
        start = 0
        for name, block in blocks.items():
            self.slices_[name] = slice(start, start + block.shape[1])
            start += block.shape[1]
        self.centres_ = {n: float(blocks[n].mean(axis=0) @ coef[s])
                         for n, s in self.slices_.items()}
        self.base_value_ = float(self.model_.intercept_[0]) + sum(self.centres_.values())
        return self

    def _numeric_parts(self, features: pd.DataFrame | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Spline basis ``(rows, numbers, splines)`` and missing flags ``(rows, numbers)`` of
        every numeric column at once: one quantile pass and one spline evaluation for all."""
        ranks, missing = self._ranks(features)
        if not ranks.shape[1]:
            return np.zeros((len(features), 0, 0)), missing
        return _spline_basis(self._numeric_plan()["spline"], ranks), missing

    def _ranks(self, features: pd.DataFrame | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Training-quantile ranks ``(rows, numbers)`` of every numeric column (missing: the
        median's rank) and the missing flags."""
        plan = self._numeric_plan()
        names = plan["names"]
        n = len(features)
        if not names:
            return np.zeros((n, 0)), np.zeros((n, 0), dtype=bool)
        values = np.full((n, len(names)), np.nan)
        if isinstance(features, np.ndarray):
            values[:] = features[:, plan["positions"]]
        else:
            present = [j for j, name in enumerate(names) if name in features.columns]
            block = features[[names[j] for j in present]]
            try:
                values[:, present] = block.to_numpy(float, na_value=np.nan)
            except (TypeError, ValueError):  # text in a numeric column: unparseable is missing
                values[:, present] = block.apply(pd.to_numeric, errors="coerce").to_numpy(float)
        missing = np.isnan(values)
        filled = np.where(missing, plan["medians"], values)
        return quantile_ranks(filled, plan["quantiles"], plan["references"]), missing

    def _numeric_plan(self) -> dict:
        """Per-numeric-column arrays stacked for :meth:`_numeric_parts` (built once, cached)."""
        plan = self.__dict__.get("_plan_")
        if plan is not None:
            return plan
        numbers = [(name, enc) for name, (kind, enc) in self.encoders_.items() if kind == "number"]
        width = max((enc[2].quantiles_.shape[0] for _, enc in numbers), default=1)

        splines = [enc[3] for _, enc in numbers]
        knots = [s.bsplines_[0].t for s in splines]
        if any(not np.array_equal(k, knots[0]) for k in knots[1:]):
            raise ValueError("SplineLogistic expects one spline basis shared by every column")
        plan = {"names": [name for name, _ in numbers],
                "positions": [self.columns_.index(name) for name, _ in numbers],
                "medians": np.array([enc[0] for _, enc in numbers]),
                "flags": np.array([enc[1] for _, enc in numbers], dtype=bool),
                "quantiles": np.array([_padded(enc[2].quantiles_[:, 0], width) for _, enc in numbers]
                                      ).reshape(len(numbers), width),
                "references": np.array([_padded(enc[2].references_, width) for _, enc in numbers]
                                       ).reshape(len(numbers), width),
                "spline": splines[0] if splines else None}
        self._plan_ = plan
        return plan

    def _blocks(self, features: pd.DataFrame) -> dict[str, np.ndarray]:
        """The design-matrix block of each encoded column, in encoder order."""
        basis, missing = self._numeric_parts(features)
        plan = self._numeric_plan()
        position = {name: j for j, name in enumerate(plan["names"])}
        out = {}
        for name, (kind, enc) in self.encoders_.items():
            if kind == "category":
                out[name] = enc.transform(self._category_codes(features, name, enc))
                continue
            j = position[name]
            parts = [basis[:, j, :]]
            if plan["flags"][j]:
                parts.append(missing[:, j].astype(float).reshape(-1, 1))
            out[name] = np.hstack(parts)
        return out

    def _category_codes(self, features: pd.DataFrame | np.ndarray, name: str,
                        enc: _OneHot) -> np.ndarray:
        """Category codes of column ``name`` (missing and absent: the missing code)."""
        if isinstance(features, np.ndarray):  # codes already, NaN for missing (LightGBM's form)
            codes = features[:, self.columns_.index(name)]
            return np.where(np.isnan(codes), len(enc.categories_), codes).astype(np.int64)
        col = features[name] if name in features.columns else pd.Series(np.nan, index=features.index)
        return enc._codes(col)

    def contributions(self, features: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Per row, each training feature's term (in training column order) then the base
        value; rows sum to :meth:`margin`. ``features`` is the prepared frame, or its matrix in
        training column order with category codes (NaN for missing), as LightGBM reads it."""
        if not hasattr(self, "model_"):
            raise NotFittedError("SplineLogistic is not fitted yet: call fit() first")
        if len(features) > ROWS_AT_ONCE:  # the spline basis of every column is held at once
            return np.vstack([self.contributions(features[start:start + ROWS_AT_ONCE])
                              for start in range(0, len(features), ROWS_AT_ONCE)])
        return self._terms(features, *self._numeric_parts(features))

    def _terms(self, features: pd.DataFrame | np.ndarray, basis: np.ndarray,
               missing: np.ndarray) -> np.ndarray:
        """:meth:`contributions` from the numeric columns' basis and missing flags."""
        plan = self._terms_plan()
        out = np.zeros((len(features), len(self.columns_) + 1))
        if plan["numbers"]:
            terms = np.einsum("npk,pk->np", basis, plan["spline_coef"]) + missing * plan["flag_coef"] \
                - plan["centres"]
            out[:, plan["numbers"]] = terms
        for name, enc, column, weights, centre in plan["categories"]:
            out[:, column] = weights[enc.slot_[self._category_codes(features, name, enc)]] - centre
        out[:, -1] = self.base_value_
        return out

    def _terms_plan(self) -> dict:
        """The fitted weights :meth:`_terms` reads, arranged per column (built once, cached)."""
        plan = self.__dict__.get("_terms_plan_")
        if plan is not None:
            return plan
        coef = self.model_.coef_.ravel()
        numeric = self._numeric_plan()
        index = {name: i for i, name in enumerate(self.columns_)}
        slices = [self.slices_[name] for name in numeric["names"]]
        k = (slices[0].stop - slices[0].start - int(numeric["flags"][0])) if slices else 0
        plan = {"numbers": [index[name] for name in numeric["names"]],
                "spline_coef": np.array([coef[s.start:s.start + k] for s in slices]).reshape(len(slices), k),
                "flag_coef": np.array([coef[s.start + k] if flag else 0.0
                                       for s, flag in zip(slices, numeric["flags"])]),
                "centres": np.array([self.centres_[name] for name in numeric["names"]]),
                "categories": [(name, enc, index[name], coef[self.slices_[name]], self.centres_[name])
                               for name, (kind, enc) in self.encoders_.items() if kind == "category"]}
        self._terms_plan_ = plan
        return plan

    def margin(self, features: pd.DataFrame | np.ndarray) -> np.ndarray:
        """The log-odds of the positive class."""
        return self.contributions(features).sum(axis=1)


def _spline_basis(spline: SplineTransformer, ranks: np.ndarray) -> np.ndarray:
    """The basis ``(rows, columns, splines)`` of every rank, in one spline evaluation."""
    n, columns = ranks.shape
    return spline.transform(ranks.reshape(-1, 1)).reshape(n, columns, -1)


class SplineStack:
    """The spline logistic members of one scorer (one per fold), evaluated together.

    :meth:`contributions` gives ``[m.contributions(matrix) for m in members]`` with one quantile
    pass and one spline evaluation for all members: for the few rows of a request, the fixed cost
    of each numpy and scikit-learn call, not the arithmetic, is most of the time. The members
    share their spline basis (uniform knots on the rank scale); the values are the same as
    member by member (a test checks)."""

    def __init__(self, members: list[SplineLogistic]) -> None:
        self.members = members
        plans = [m._numeric_plan() for m in members]
        self.stacked = bool(members) and all(p["names"] for p in plans) and all(
            np.array_equal(p["spline"].bsplines_[0].t, plans[0]["spline"].bsplines_[0].t) for p in plans)
        if not self.stacked:
            return
        width = max(p["quantiles"].shape[1] for p in plans)

        self.spline = plans[0]["spline"]
        self.positions = np.concatenate([p["positions"] for p in plans])
        self.medians = np.concatenate([p["medians"] for p in plans])
        self.quantiles = np.vstack([_padded(p["quantiles"], width) for p in plans])
        self.references = np.vstack([_padded(p["references"], width) for p in plans])
        self.bounds = np.cumsum([len(p["names"]) for p in plans])[:-1]

    def contributions(self, matrix: np.ndarray | pd.DataFrame) -> list[np.ndarray]:
        """Each member's :meth:`SplineLogistic.contributions` of ``matrix``."""
        if not self.stacked or len(matrix) > ROWS_AT_ONCE or not isinstance(matrix, np.ndarray):
            return [m.contributions(matrix) for m in self.members]
        values = matrix[:, self.positions]
        missing = np.isnan(values)
        ranks = quantile_ranks(np.where(missing, self.medians, values), self.quantiles, self.references)
        basis = np.split(_spline_basis(self.spline, ranks), self.bounds, axis=1)
        flags = np.split(missing, self.bounds, axis=1)
        return [m._terms(matrix, b, f) for m, b, f in zip(self.members, basis, flags)]
