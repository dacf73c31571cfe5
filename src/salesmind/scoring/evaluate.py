"""Cross-validated evaluation of salesmind against baselines trained in the same run."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from salesmind.scoring.base import BaseScorer
from salesmind.scoring.baselines import LogisticScorer, NaiveBayesScorer, PointsScorer
from salesmind.scoring.metrics import (
    ECE_BINS,
    Metrics,
    compute_metrics,
    lift_table,
    reliability_table,
)
from salesmind.scoring.scorer import TabularScorer

ModelFactory = Callable[[], BaseScorer]
Progress = Callable[[str], None]


def default_models(exclude: tuple[str, ...] = (), time_column: str | None = None,
                   n_jobs: int = 2, random_state: int = 0) -> dict[str, ModelFactory]:
    """salesmind and the three baselines every evaluation reports."""
    common = {"exclude": tuple(exclude), "time_column": time_column}
    return {
        "salesmind": lambda: TabularScorer(**common, n_jobs=n_jobs, random_state=random_state),
        "points rule score": lambda: PointsScorer(**common),
        "logistic regression": lambda: LogisticScorer(**common),
        "naive Bayes table": lambda: NaiveBayesScorer(**common, random_state=random_state),
    }


@dataclass
class CrossValidation:
    """Out-of-fold probabilities of each model on every row, and its total fit time."""

    y: np.ndarray
    oof: dict[str, np.ndarray]
    fit_seconds: dict[str, float]
    fold_auc: dict[str, list[float]]
    n_folds: int


def cross_validate(X: pd.DataFrame, y: np.ndarray, models: dict[str, ModelFactory],
                   n_folds: int = 5, random_state: int = 0,
                   progress: Progress | None = None) -> CrossValidation:
    """Stratified k-fold: every model fits the same training folds and scores the held-out one."""
    y = np.asarray(y, int)
    folds = StratifiedKFold(n_folds, shuffle=True, random_state=random_state)
    oof = {name: np.zeros(len(y)) for name in models}
    seconds = {name: 0.0 for name in models}
    fold_auc: dict[str, list[float]] = {name: [] for name in models}
    for k, (fit_idx, test_idx) in enumerate(folds.split(np.zeros(len(y)), y), start=1):
        for name, make in models.items():
            if progress:
                progress(f"fold {k}/{n_folds}: {name}")
            start = time.perf_counter()
            model = make().fit(X.iloc[fit_idx], y[fit_idx])
            seconds[name] += time.perf_counter() - start
            oof[name][test_idx] = model.predict_proba(X.iloc[test_idx])[:, 1]
            fold_auc[name].append(compute_metrics(y[test_idx], oof[name][test_idx]).roc_auc)
    return CrossValidation(y, oof, seconds, fold_auc, n_folds)


@dataclass
class ModelResult:
    """One model's pooled out-of-fold metrics, fold spread, timing, calibration and lift."""

    name: str
    metrics: Metrics
    fold_auc: list[float]
    fit_seconds: float
    reliability: list[dict]
    lift: list[dict]


@dataclass
class EvaluationReport:
    """Everything the terminal, JSON and HTML views of an evaluation show."""

    dataset: str
    target: str
    n_rows: int
    positive_rate: float
    n_folds: int
    excluded: list[str]
    models: list[ModelResult]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ece_bins: int = ECE_BINS
    predictions: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    labels: np.ndarray | None = field(default=None, repr=False)

    def model(self, name: str) -> ModelResult:
        """The result of the model called ``name``."""
        return next(m for m in self.models if m.name == name)

    def to_dict(self) -> dict:
        """JSON-ready report (without the per-row predictions)."""
        out = asdict(self)
        out.pop("predictions")
        out.pop("labels")
        return out

    def to_json(self) -> str:
        """The report as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, default=float)


def evaluate(cv: CrossValidation, dataset: str, target: str, excluded: list[str] | None = None,
             warnings: list[str] | None = None, notes: list[str] | None = None) -> EvaluationReport:
    """Turn cross-validated probabilities into metrics, reliability and lift for every model."""
    models = [ModelResult(name, compute_metrics(cv.y, p), cv.fold_auc[name],
                          cv.fit_seconds[name], reliability_table(cv.y, p), lift_table(cv.y, p))
              for name, p in cv.oof.items()]
    return EvaluationReport(dataset=dataset, target=target, n_rows=int(len(cv.y)),
                            positive_rate=float(cv.y.mean()), n_folds=cv.n_folds,
                            excluded=list(excluded or []), models=models,
                            warnings=list(warnings or []), notes=list(notes or []),
                            predictions=cv.oof, labels=cv.y)
