"""Quality measures of predicted probabilities: ranking, calibration, lift."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

ECE_BINS = 10  # equal-width probability bins over [0, 1] (Guo et al. 2017), weighted by row count


@dataclass(frozen=True)
class Metrics:
    """The headline numbers for one model's probabilities on one set of rows."""

    roc_auc: float
    pr_auc: float
    log_loss: float
    brier: float
    ece: float
    n_rows: int
    positive_rate: float


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = ECE_BINS) -> float:
    """Row-weighted mean gap between predicted and observed rates over equal-width bins."""
    table = reliability_table(y, p, bins)
    n = sum(row["count"] for row in table)
    return float(sum(row["count"] * abs(row["mean_predicted"] - row["observed_rate"])
                     for row in table) / n)


def reliability_table(y: np.ndarray, p: np.ndarray, bins: int = ECE_BINS) -> list[dict]:
    """Per non-empty bin: edges, row count, mean predicted probability, observed positive rate."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = index == b
        if mask.any():
            rows.append({"low": float(edges[b]), "high": float(edges[b + 1]),
                         "count": int(mask.sum()), "mean_predicted": float(p[mask].mean()),
                         "observed_rate": float(y[mask].mean())})
    return rows


def lift_table(y: np.ndarray, p: np.ndarray, groups: int = 10) -> list[dict]:
    """Deciles by descending probability: rate, lift over the base rate, cumulative gain."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    order = np.argsort(-p, kind="stable")
    chunks = np.array_split(order, groups)
    base, total = y.mean(), y.sum()
    rows, captured = [], 0.0
    for i, chunk in enumerate(chunks, start=1):
        rate = float(y[chunk].mean()) if len(chunk) else 0.0
        captured += float(y[chunk].sum())
        rows.append({"decile": i, "count": int(len(chunk)), "positive_rate": rate,
                     "lift": rate / base if base else 0.0,
                     "cumulative_gain": captured / total if total else 0.0})
    return rows


def compute_metrics(y: np.ndarray, p: np.ndarray) -> Metrics:
    """All headline metrics of probabilities ``p`` against 0/1 labels ``y``."""
    y, p = np.asarray(y, float), np.clip(np.asarray(p, float), 1e-7, 1 - 1e-7)
    return Metrics(roc_auc=float(roc_auc_score(y, p)), pr_auc=float(average_precision_score(y, p)),
                   log_loss=float(log_loss(y, p, labels=[0, 1])),
                   brier=float(brier_score_loss(y, p)), ece=expected_calibration_error(y, p),
                   n_rows=int(len(y)), positive_rate=float(y.mean()))
