"""TabularScorer: calibrated LightGBM scoring of any table with an outcome column.

Training scheme (no row is ever scored by a booster that learned from it):

- **Splits.** Without a time column: ``n_folds`` stratified folds; each fold's booster learns
  from the other folds, stops early on its own fold (log loss) and its own fold's margins fit
  its calibrator. The served model is the average of the fold members (margins and
  contributions are averaged; probabilities are the mean of the members' calibrated
  probabilities). With ``group_column`` (e.g. a lead id when the table holds
  several snapshots of each lead), the folds are stratified *group* folds: every row of a
  group falls in the same fold, so no booster stops early or calibrates on copies of rows it
  learned from. With ``time_column``: one member learns from the oldest 80% of
  rows and stops early and calibrates on the newest 20% (a time-ordered validation split).
- **Refit rule.** Members are not refit on all rows afterwards: a calibrator must only ever see
  margins from rows its booster did not learn from.
- **Tuning** (``tune=True``): the first two members are trained for each of three parameter
  sets (learning rate 0.1, early stopping after 30 rounds without gain); the set with the
  lowest held-out log loss on those two folds is kept and trains the other members. The
  LightGBM dataset is binned once (bins use no labels) and every member trains on a subset.
- **Linear member** (``linear_member=True``): a spline/one-hot logistic regression
  (:mod:`salesmind.scoring.linear`) is fit on the same splits. If stacking its held-out margin
  with LightGBM's lowers the two-fold cross-fitted log loss on the first two folds, the served
  margin becomes ``a·LightGBM + b·linear + c`` (``blend_``, weights learned by logistic
  regression on all held-out margins, both positive); otherwise a note says it was not used.
  Reasons stay exact: TreeSHAP and the linear member's per-column terms, weighted alike.
- **Calibration** (``calibration="auto"``): isotonic vs Platt chosen by cross-fitted log loss
  on the pooled out-of-fold margins (see :mod:`salesmind.scoring.calibration`).
- **Scoring** (:meth:`TabularScorer.score_explained`): one pass per member gives both the
  probability and the reasons, since TreeSHAP contributions and the linear terms add up to the
  member's margin; the prepared frame is converted to LightGBM's matrix once for all members,
  and a few rows are predicted on one thread (a request for one record costs milliseconds).
- **Cold start.** Below ``min_rows`` rows (1,000) or ``min_positives`` rows of the rarer
  outcome (120), LightGBM is not trusted and a naive-Bayes frequency table is served instead;
  ``model_kind_`` says so and every output carries it.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from salesmind.core.errors import UserInputError
from salesmind.scoring.base import BaseScorer, group_by_source
from salesmind.scoring.baselines import NaiveBayesScorer
from salesmind.scoring.columns import ColumnPreparer, clean_small
from salesmind.scoring.calibration import Calibrator, choose_method, stacked_log_loss
from salesmind.scoring.leaks import leak_warnings
from salesmind.scoring.linear import SplineLogistic, SplineStack
from salesmind.scoring.metrics import compute_metrics
from salesmind.scoring.reasons import Reason, explain_row, explain_rows, score_frame

MIN_ROWS, MIN_POSITIVES = 1000, 120
GBM_KIND = "lightgbm (calibrated)"
COLD_START_KIND = "cold start: naive-Bayes frequency table"

BASE_PARAMS: dict[str, Any] = {
    "objective": "binary", "learning_rate": 0.1, "feature_fraction": 0.8,
    "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0, "min_data_per_group": 50,
    "cat_smooth": 10.0, "cat_l2": 10.0, "max_cat_to_onehot": 4, "verbose": -1,
    "deterministic": True, "force_col_wise": True,
}
TUNING_GRID: list[dict[str, Any]] = [
    {"num_leaves": 7, "min_data_in_leaf": 100},
    {"num_leaves": 15, "min_data_in_leaf": 50},
    {"num_leaves": 31, "min_data_in_leaf": 20},
]
TUNED = ("num_leaves", "min_data_in_leaf")
TUNING_FOLDS = 2
#: Up to this many rows are predicted on one thread (see ``TabularScorer._threads``).
FEW_ROWS = 64


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class TabularScorer(BaseScorer):
    """LightGBM lead/deal scorer for any table: calibrated probabilities with exact reasons."""

    def __init__(self, target: str | None = None, exclude: tuple[str, ...] | list[str] = (),
                 time_column: str | None = None, n_folds: int = 5, tune: bool = True,
                 params: dict[str, Any] | None = None, calibration: str = "auto",
                 min_rows: int = MIN_ROWS, min_positives: int = MIN_POSITIVES,
                 max_rounds: int = 3000, early_stopping_rounds: int = 30,
                 n_jobs: int = 2, random_state: int = 0, point_in_time: bool = False,
                 group_column: str | None = None, linear_member: bool = True) -> None:
        self.target = target
        self.exclude = exclude
        self.time_column = time_column
        self.n_folds = n_folds
        self.tune = tune
        self.params = params
        self.calibration = calibration
        self.min_rows = min_rows
        self.min_positives = min_positives
        self.max_rounds = max_rounds
        self.early_stopping_rounds = early_stopping_rounds
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.point_in_time = point_in_time
        self.group_column = group_column
        self.linear_member = linear_member

    # -- training -----------------------------------------------------------------------------
    def _new_preparer(self) -> ColumnPreparer:
        extra = (self.group_column,) if self.group_column else ()
        return ColumnPreparer(exclude=tuple(self.exclude) + extra, time_column=self.time_column)

    #: Derived from the fitted state on first use (see :meth:`_members_on`, :meth:`_record_layout`).
    _CACHES = ("_spline_stack_", "_record_layout_")

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in self._CACHES}

    def _fit(self, X: pd.DataFrame, y: np.ndarray) -> None:
        for cache in self._CACHES:
            self.__dict__.pop(cache, None)
        self.preparer_ = self._new_preparer().fit(X)
        self.notes_ = [f"column {c!r} not used: {why}"
                       for c, why in self.preparer_.dropped_.items()]
        self.warnings_ = leak_warnings(self.preparer_.source_values(X), y,
                                       check_names=not self.point_in_time)
        rarer = int(min(y.sum(), len(y) - y.sum()))
        self.cold_start_ = len(y) < self.min_rows or rarer < self.min_positives
        if self.cold_start_:
            self._fit_cold_start(X, y, rarer)
            return
        self.model_kind_ = GBM_KIND
        features = self.preparer_.transform(X)
        splits = self._splits(X, y)
        held = np.concatenate([v for _, v in splits])
        # Binned once for every member and candidate (bin edges use no labels).
        data = lgb.Dataset(features, y, free_raw_data=False,
                           params={"verbose": -1, "num_threads": self.n_jobs,
                                   "feature_pre_filter": False}).construct()
        boosters, oof = self._tune(features, data, y, splits)
        self.linear_members_, self.blend_ = [], (1.0, 0.0, 0.0)
        margin = self._fit_blend(features, y, splits, oof) if self.linear_member else oof
        if self.calibration == "auto":
            self.calibration_method_, self.calibration_losses_ = choose_method(
                margin[held], y[held], self.random_state)
        else:
            self.calibration_method_, self.calibration_losses_ = self.calibration, {}
        self.members_ = [(b, Calibrator(self.calibration_method_).fit(margin[v], y[v]))
                         for b, (_, v) in zip(boosters, splits)]
        calibrated = np.zeros(len(y))
        for (_, cal), (_, v) in zip(self.members_, splits):
            calibrated[v] = cal.predict(margin[v])
        # In-sample for the calibrators, so a little optimistic; cross-validation is honest.
        self.validation_metrics_ = compute_metrics(y[held], calibrated[held])

    def _tune(self, features: pd.DataFrame, data: lgb.Dataset, y: np.ndarray,
              splits: list[tuple[np.ndarray, np.ndarray]]) -> tuple[list[lgb.Booster], np.ndarray]:
        """Judge each candidate on the first ``TUNING_FOLDS`` members' held-out log loss; only
        the winner trains the remaining members. Returns the members and held-out margins."""
        grid = TUNING_GRID if self.tune else [{}]
        candidates = [{**BASE_PARAMS, **g, **(self.params or {})} for g in grid]
        judged = splits if len(candidates) == 1 else splits[:TUNING_FOLDS]
        rows = np.concatenate([v for _, v in judged])
        self.tuning_ = []
        best: tuple[float, list[lgb.Booster], np.ndarray, dict[str, Any]] | None = None
        for params in candidates:
            boosters, oof = self._train_members(features, data, y, judged, params)
            loss = compute_metrics(y[rows], _sigmoid(oof[rows])).log_loss
            self.tuning_.append({"params": {k: params[k] for k in TUNED if k in params},
                                 "held_out_log_loss": loss,
                                 "rounds": [b.best_iteration for b in boosters]})
            if best is None or loss < best[0]:
                best = (loss, boosters, oof, params)
        assert best is not None
        _, boosters, oof, self.params_ = best
        rest = splits[len(judged):]
        if rest:
            more, more_oof = self._train_members(features, data, y, rest, self.params_)
            boosters = boosters + more
            for _, v in rest:
                oof[v] = more_oof[v]
        return boosters, oof

    def _fit_blend(self, features: pd.DataFrame, y: np.ndarray,
                   splits: list[tuple[np.ndarray, np.ndarray]], oof: np.ndarray) -> np.ndarray:
        """Add a spline logistic member per split if blending it in lowers the cross-fitted
        log loss of the held-out margins (judged on the first ``TUNING_FOLDS`` splits, so a
        member that does not help costs only those fits); return the served held-out margins."""
        linear = np.zeros(len(y))
        members: list[SplineLogistic] = []

        def add(part: list[tuple[np.ndarray, np.ndarray]]) -> None:
            for fit_idx, val_idx in part:
                members.append(SplineLogistic().fit(features.iloc[fit_idx], y[fit_idx]))
                linear[val_idx] = members[-1].margin(features.iloc[val_idx])

        add(splits[:TUNING_FOLDS])
        rows = np.concatenate([v for _, v in splits[:TUNING_FOLDS]])
        both = np.column_stack([oof, linear])
        self.blend_losses_ = {
            name: stacked_log_loss(both[rows][:, cols], y[rows], self.random_state)
            for name, cols in (("lightgbm", [0]), ("blend", [0, 1]))}
        blend = (0.0, 0.0, 0.0)
        if self.blend_losses_["blend"] < self.blend_losses_["lightgbm"]:
            add(splits[TUNING_FOLDS:])
            held = np.concatenate([v for _, v in splits])
            stack = LogisticRegression(C=1e4).fit(both[held], y[held])
            blend = (float(stack.coef_[0, 0]), float(stack.coef_[0, 1]),
                     float(stack.intercept_[0]))
        if min(blend[:2]) <= 0:
            self.notes_.append("spline logistic member not used: blending it in did not lower "
                               "the cross-fitted log loss of LightGBM alone")
            return oof
        self.blend_, self.linear_members_ = blend, members
        return blend[0] * oof + blend[1] * linear + blend[2]

    def _fit_cold_start(self, X: pd.DataFrame, y: np.ndarray, rarer: int) -> None:
        self.model_kind_ = COLD_START_KIND
        self.notes_.append(
            f"cold start: {len(y):,} rows and {rarer:,} of the rarer outcome, below the minimum of "
            f"{self.min_rows:,} rows and {self.min_positives:,}; a naive-Bayes frequency table is "
            "used instead of LightGBM")
        self.fallback_ = NaiveBayesScorer(exclude=self.exclude, time_column=self.time_column,
                                          random_state=self.random_state).fit(X, y)
        self.calibration_method_ = self.fallback_.calibration_method_
        self.members_ = []

    def _splits(self, X: pd.DataFrame, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        if self.time_column is not None:
            order = np.argsort(self.preparer_.source_values(X)[self.time_column]
                               .to_numpy(), kind="stable")
            cut = int(len(order) * 0.8)
            return [(order[:cut], order[cut:])]
        if self.group_column is not None:
            if self.group_column not in X.columns:
                raise UserInputError(f"group column {self.group_column!r} is not in the table")
            groups = X[self.group_column].to_numpy()
            folds = StratifiedGroupKFold(self.n_folds, shuffle=True, random_state=self.random_state)
            return list(folds.split(np.zeros(len(y)), y, groups))
        folds = StratifiedKFold(self.n_folds, shuffle=True, random_state=self.random_state)
        return list(folds.split(np.zeros(len(y)), y))

    def _train_members(self, features: pd.DataFrame, data: lgb.Dataset, y: np.ndarray,
                       splits: list[tuple[np.ndarray, np.ndarray]],
                       params: dict[str, Any]) -> tuple[list[lgb.Booster], np.ndarray]:
        run = {**params, "num_threads": self.n_jobs, "seed": self.random_state}
        oof = np.zeros(len(y))
        boosters = []
        for fit_idx, val_idx in splits:
            booster = lgb.train(run, data.subset(np.sort(fit_idx)),
                                num_boost_round=self.max_rounds,
                                valid_sets=[data.subset(np.sort(val_idx))],
                                callbacks=[lgb.early_stopping(self.early_stopping_rounds,
                                                              verbose=False)])
            oof[val_idx] = booster.predict(features.iloc[val_idx], raw_score=True,
                                           num_iteration=booster.best_iteration)
            boosters.append(booster)
        return boosters, oof

    # -- prediction ---------------------------------------------------------------------------
    def _matrix(self, features: pd.DataFrame) -> np.ndarray | pd.DataFrame:
        """The prepared features as the float matrix LightGBM builds from them (category codes,
        NaN for missing), converted once for every member; the frame itself when its categories
        differ from training (LightGBM then aligns them)."""
        trained = self.members_[0][0].pandas_categorical or []
        out = np.empty(features.shape, dtype=float)
        k = 0
        for j, (_, col) in enumerate(features.items()):
            if isinstance(col.dtype, pd.CategoricalDtype):
                if k >= len(trained) or list(col.cat.categories) != list(trained[k]):
                    return features
                codes = col.cat.codes.to_numpy()
                out[:, j] = np.where(codes < 0, np.nan, codes)
                k += 1
            else:
                out[:, j] = col.to_numpy(float, na_value=np.nan)
        return out if k == len(trained) else features

    def _threads(self, rows: int) -> int:
        # A few rows (one API request) are faster on one thread than waking a pool, and on a
        # busy server the other cores are serving other requests. Always explicit: LightGBM
        # would otherwise reuse whatever thread count the previous call set.
        return 1 if rows <= FEW_ROWS else self.n_jobs

    def _per_member(self, features: pd.DataFrame, contributions: bool = False) -> list[np.ndarray]:
        """Per member, its blended margin; or, with ``contributions``, its blended terms
        (TreeSHAP and the linear member's, base value last), whose rows sum to that margin."""
        return self._members_on(self._matrix(features), contributions)

    def _members_on(self, matrix: np.ndarray | pd.DataFrame,
                    contributions: bool = False) -> list[np.ndarray]:
        """:meth:`_per_member` on the matrix LightGBM reads (see :meth:`_matrix`)."""
        weight_gbm, weight_linear, shift = self.blend_
        threads = self._threads(len(matrix))
        out = [weight_gbm * b.predict(matrix, raw_score=not contributions, pred_contrib=contributions,
                                      num_iteration=b.best_iteration, num_threads=threads)
               for b, _ in self.members_]
        if not self.linear_members_:
            return out
        if "_spline_stack_" not in self.__dict__:
            self._spline_stack_ = SplineStack(self.linear_members_)
        linear = self._spline_stack_.contributions(matrix)
        for k, terms in enumerate(linear):
            if contributions:
                out[k] += weight_linear * terms
                out[k][:, -1] += shift
            else:
                out[k] = out[k] + weight_linear * terms.sum(axis=1) + shift
        return out

    def _calibrated(self, margins: list[np.ndarray]) -> np.ndarray:
        return np.mean([cal.predict(m) for m, (_, cal) in zip(margins, self.members_)], axis=0)

    def _positive_proba(self, X: pd.DataFrame) -> np.ndarray:
        if self.cold_start_:
            return self.fallback_._positive_proba(X)
        return self._calibrated(self._per_member(self.preparer_.transform(X)))

    def raw_margin(self, X: pd.DataFrame) -> np.ndarray:
        """The uncalibrated log-odds the reasons explain (mean over members)."""
        self._check_fitted()
        X = self._drop_target(X)
        if self.cold_start_:
            return self.fallback_.contributions(X).sum(axis=1).to_numpy()
        return np.mean(self._per_member(self.preparer_.transform(X)), axis=0)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Exact contribution per source column and base value; rows sum to the margin.

        LightGBM's part is TreeSHAP, the spline logistic member's part its exact additive term
        per column, each weighted as in the blend."""
        return self._scored(X)[1]

    def _scored(self, X: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
        """Calibrated probability and contributions per source column, from one pass: each
        member's margin is the sum of its contributions (TreeSHAP adds up to the raw score)."""
        self._check_fitted()
        X = self._drop_target(X)
        if self.cold_start_:
            return self.fallback_.scored(X)
        features = self.preparer_.transform(X)
        members = self._per_member(features, contributions=True)
        proba = self._calibrated([c.sum(axis=1) for c in members])
        contrib = group_by_source(np.mean(members, axis=0), list(features.columns),
                                  self.preparer_.source_of_, X.index)
        return proba, contrib

    def explain(self, X: pd.DataFrame, top: int = 3) -> list[list[Reason]]:
        """Per row, up to ``top`` reasons raising and ``top`` lowering the score, as sentences."""
        return self.score_explained(X, top)[1]

    def score_explained(self, X: pd.DataFrame, top: int = 3) -> tuple[np.ndarray, list[list[Reason]]]:
        """Calibrated probability of the positive outcome and the reasons of each row, in one
        pass over the members (what a request scoring one record needs, and the batch alike)."""
        proba, contrib = self._scored(X)
        X = self._drop_target(X)
        return proba, explain_rows(contrib, lambda columns: self._source_values(X, columns),
                                   self.preparer_.specs_, top)

    def score_record(self, record: Mapping[str, object], top: int = 3) -> tuple[float, list[Reason]]:
        """One record's calibrated probability and reasons, computed on its plain values.

        The same numbers as :meth:`score_explained` of a one-row frame (a test checks), without
        building frames: what a request scoring one lead needs. ``record`` maps source columns
        to plain Python values (absent columns are missing). A model in cold start, a date
        column, or a value the plain cleaning cannot read go through the frame path instead."""
        self._check_fitted()
        prepared = None if self.cold_start_ else self._prepared_record(record)
        if prepared is None:
            proba, reasons = self.score_explained(pd.DataFrame([dict(record)]), top)
            return float(proba[0]), reasons[0]
        matrix, cleaned = prepared
        members = self._members_on(matrix, contributions=True)
        proba = float(self._calibrated([c.sum(axis=1) for c in members])[0])
        terms = np.mean(members, axis=0)[0]
        layout = self._record_layout()
        assert layout is not None
        by_source = np.bincount(layout[1], weights=terms[:-1], minlength=len(self.preparer_.specs_))
        return proba, explain_row(by_source, self.preparer_.specs_, cleaned, top)

    def _record_layout(self) -> tuple[list[int], np.ndarray] | None:
        """Where each source column's features start in LightGBM's matrix, and each feature's
        source position; None when the plain path does not apply (a date column, or category
        lists that differ from the boosters', which LightGBM would have to align). Cached."""
        if "_record_layout_" not in self.__dict__:
            specs = self.preparer_.specs_
            trained = [list(c) for c in (self.members_[0][0].pandas_categorical or [])]
            usable = (all(s.kind != "datetime" for s in specs)
                      and trained == [list(s.categories or []) for s in specs if s.kind == "categorical"])
            sizes = [len(s.features) for s in specs]
            self._record_layout_ = (list(np.cumsum([0, *sizes[:-1]])),
                                    np.repeat(np.arange(len(specs)), sizes)) if usable else None
        return self._record_layout_

    def _prepared_record(self, record: Mapping[str, object]) -> tuple[np.ndarray, dict[str, object]] | None:
        """LightGBM's one-row matrix and each source column's cleaned value (as the reasons quote
        it), the way :meth:`ColumnPreparer.transform` and :meth:`_matrix` build them; None when
        the plain path does not apply."""
        layout = self._record_layout()
        if layout is None:
            return None
        row = np.full((1, len(self.preparer_.feature_names_)), np.nan)
        cleaned: dict[str, object] = {}
        for spec, start in zip(self.preparer_.specs_, layout[0]):
            value = clean_small(spec, [record.get(spec.name)])
            if value is None:
                return None
            cleaned[spec.name] = clean = value[0]
            if spec.kind == "numeric":
                row[0, start] = clean
                continue
            code = self.preparer_._category_codes(spec)[1].get(clean, -1)
            row[0, start] = code if code >= 0 else np.nan
            if spec.frequencies is not None and clean is not None:
                row[0, start + 1] = spec.frequencies.get(clean, np.nan)
        return row, cleaned

    def _source_values(self, X: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        """:meth:`ColumnPreparer.source_values` of the named columns only (cleaning every
        column for one row cost more than scoring it)."""
        wanted = set(columns)
        part = copy.copy(self.preparer_)
        part.specs_ = [s for s in self.preparer_.specs_ if s.name in wanted]
        return part.source_values(X)

    def predict_frame(self, X: pd.DataFrame, top: int = 3) -> pd.DataFrame:
        """Probability, 0-100 score, grade, reasons and model kind per row, indexed like ``X``."""
        proba, reasons = self.score_explained(X, top)
        out = score_frame(proba, reasons, self.model_kind_)
        out.index = X.index
        return out
