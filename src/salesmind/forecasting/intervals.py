"""Prediction intervals: coverage measured on cross-validation windows, split-conformal where off.

The ensemble's own bounds are checked on the rolling-origin windows. When their coverage is off
by more than a tolerance, the half-widths are rescaled by the split-conformal quantile of the
normalised residual ``|y - mean| / half-width`` (Vovk et al. 2005; Lei et al. 2018, with the
model's own half-width as the scale), which is valid in finite samples for exchangeable scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def conformal_quantile(scores: np.ndarray, coverage: float) -> float:
    """The split-conformal quantile: the ceil((n+1)·coverage)-th smallest score (finite-sample valid)."""
    scores = np.sort(np.asarray(scores, float)[np.isfinite(scores)])
    n = len(scores)
    if n == 0:
        return 1.0
    rank = int(np.ceil((n + 1) * coverage))
    return float(scores[min(rank, n) - 1])


def interval_coverage(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """The share of values ``y`` inside ``[lo, hi]``."""
    y = np.asarray(y, float)
    return float(np.mean((y >= lo) & (y <= hi))) if len(y) else float("nan")


def min_points_for(level: int) -> int:
    """The fewest scores for which the conformal quantile at ``level`` % is finite."""
    return int(np.ceil(1 / (1 - level / 100))) - 1


@dataclass(frozen=True)
class Calibration:
    """How one level's interval is made: measured CV coverage, method and half-width factor."""

    level: int
    coverage: float
    method: str
    factor: float = 1.0


def calibrate_level(y: np.ndarray, mean: np.ndarray, lo: np.ndarray, hi: np.ndarray, level: int,
                    tolerance: float) -> Calibration:
    """Keep the models' interval at ``level`` if its CV coverage is within ``tolerance``, else conformal."""
    y = np.asarray(y, float)
    covered = interval_coverage(y, lo, hi)
    if abs(covered - level / 100) <= tolerance:
        return Calibration(level, covered, "model")
    if len(y) < min_points_for(level):
        return Calibration(level, covered, f"model (too few windows, {len(y)}, to calibrate)")
    half = np.maximum((np.asarray(hi) - np.asarray(lo)) / 2, 1e-9)
    factor = conformal_quantile(np.abs(y - mean) / half, level / 100)
    return Calibration(level, covered, "conformal", factor)
