"""The quality benchmark's paired bootstrap of the ROC-AUC difference."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.scoring import paired_auc_difference  # noqa: E402


def _scores(seed: int, signal: float, n: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return y, signal * y + rng.normal(size=n)


def test_the_same_predictions_differ_by_exactly_nothing() -> None:
    y, p = _scores(0, 1.0)
    assert paired_auc_difference(y, p, p, resamples=50) == (0.0, 0.0, 0.0)


def test_a_clearly_better_model_has_an_interval_above_zero_and_the_order_matters() -> None:
    y, strong = _scores(1, 1.5)
    weak = strong + np.random.default_rng(2).normal(scale=3.0, size=len(y))
    diff, lo, hi = paired_auc_difference(y, strong, weak, resamples=200)
    assert 0 < lo < diff < hi
    back, lo_back, hi_back = paired_auc_difference(y, weak, strong, resamples=200)
    assert back == -diff and hi_back < 0


def test_a_noise_difference_has_an_interval_around_zero() -> None:
    y, p = _scores(3, 1.0)
    rng = np.random.default_rng(4)
    a, b = p + rng.normal(scale=0.05, size=len(y)), p + rng.normal(scale=0.05, size=len(y))
    _, lo, hi = paired_auc_difference(y, a, b, resamples=200)
    assert lo < 0 < hi
