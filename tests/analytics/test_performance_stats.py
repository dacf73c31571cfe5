"""The gap tests: Newcombe's published example, BH against a hand computation, Mann-Whitney and the bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from salesmind.analytics.stats import (
    benjamini_hochberg,
    compare_distributions,
    compare_proportions,
    judge,
    median_difference_interval,
    newcombe_interval,
)


def test_newcombe_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, Table II example (a): 56/70 - 48/80, method 10: 0.0524 to 0.3339
    assert newcombe_interval(56, 70, 48, 80) == pytest.approx((0.0524, 0.3339), abs=1e-4)


def test_benjamini_hochberg_by_hand() -> None:
    # sorted p 0.01, 0.02, 0.03, 0.5 (m = 4): q = min over ranks >= i of p_k * m / k = 0.04, 0.04, 0.04, 0.5
    assert benjamini_hochberg([0.03, None, 0.01, 0.5, 0.02]) == pytest.approx([0.04, None, 0.04, 0.5, 0.04])


def test_distribution_gap_uses_mann_whitney_and_covers_the_shift() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(10, 2, 60), rng.normal(7, 2, 60)
    gap = compare_distributions("cycle_days", x, y)
    assert gap.p == pytest.approx(mannwhitneyu(x, y, alternative="two-sided").pvalue)
    assert gap.ci_low < 3 < gap.ci_high and gap.diff == pytest.approx(np.median(x) - np.median(y))
    low, high = median_difference_interval(rng.normal(0, 1, 80), rng.normal(0, 1, 80))
    assert low < 0 < high


def test_judge_marks_only_significant_gaps_and_respects_direction() -> None:
    win = compare_proportions("win_rate", 3, 30, 20, 30)  # far behind
    noise = compare_proportions("forecast_accuracy", 4, 10, 5, 10)  # noise
    slow = compare_distributions("cycle_days", [80.0] * 5 + [90.0] * 5, [30.0] * 5 + [35.0] * 5)  # slower: behind
    few = compare_proportions("conversion:proposal", 1, 2, 5, 9)
    judged = {g.metric: g for g in judge([win, noise, slow, few], {"cycle_days": False})}
    assert judged["win_rate"].verdict == "behind" and judged["win_rate"].test == "Fisher exact"
    assert judged["forecast_accuracy"].verdict == "not_significant"
    assert judged["cycle_days"].verdict == "behind"
    assert judged["conversion:proposal"].verdict == "too_few" and judged["conversion:proposal"].q is None
    assert judged["win_rate"].q >= judged["win_rate"].p
