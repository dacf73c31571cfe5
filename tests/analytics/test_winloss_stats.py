"""The won-vs-lost effect sizes against scipy/statsmodels and a published table (Newcombe 1998)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.stats import fisher_exact, mannwhitneyu

from salesmind.analytics.winloss_stats import (
    bh_qvalues,
    cliffs_delta,
    median_difference_ci,
    numeric_effect,
    rate_effect,
)


def test_cliffs_delta_equals_the_pairwise_definition() -> None:
    rng = np.random.default_rng(1)
    won, lost = rng.integers(0, 6, 23).tolist(), rng.integers(1, 7, 17).tolist()
    pairs = list(itertools.product(won, lost))
    expected = (sum(a > b for a, b in pairs) - sum(a < b for a, b in pairs)) / len(pairs)
    assert cliffs_delta(won, lost) == pytest.approx(expected)


def test_numeric_effect_matches_scipy_and_brackets_the_median_gap() -> None:
    rng = np.random.default_rng(2)
    won, lost = rng.normal(12, 3, 400), rng.normal(10, 3, 300)
    effect = numeric_effect(won, lost, seed=3)
    assert effect.p_value == pytest.approx(mannwhitneyu(won, lost, alternative="two-sided").pvalue)
    assert effect.diff == pytest.approx(np.median(won) - np.median(lost))
    assert effect.diff_low < effect.diff < effect.diff_high
    assert effect.diff_low < 2.0 < effect.diff_high  # the true gap is 2
    assert effect.diff_high - effect.diff_low < 1.5
    assert effect.cliffs_delta > 0


def test_median_interval_is_reproducible_and_covers_the_truth_most_of_the_time() -> None:
    rng = np.random.default_rng(4)
    covered = 0
    for _ in range(40):
        won, lost = rng.exponential(2.0, 80), rng.exponential(1.0, 80)
        low, high = median_difference_ci(won, lost, n_resamples=399, seed=0)
        covered += low <= np.log(2) * (2.0 - 1.0) <= high
    assert covered >= 32  # nominal 95%; percentile bootstrap undercovers a little at n=80
    assert median_difference_ci([1, 2, 3, 4], [0, 1, 2], seed=5) == median_difference_ci([1, 2, 3, 4], [0, 1, 2], seed=5)


def test_too_few_values_give_no_test() -> None:
    effect = numeric_effect([5.0], [1.0, 2.0, float("nan")])
    assert effect.p_value is None and effect.n_lost == 2 and effect.diff == pytest.approx(3.5)


def test_newcombe_interval_matches_the_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II example (a): 56/70 vs 48/80,
    # method 10 (score interval, no continuity correction): 0.0524 to 0.3339.
    effect = rate_effect(56, 70, 48, 80)
    assert effect.diff == pytest.approx(0.2)
    assert effect.diff_low == pytest.approx(0.0524, abs=5e-4)
    assert effect.diff_high == pytest.approx(0.3339, abs=5e-4)


def test_rate_effect_fisher_and_odds_ratio_match_scipy() -> None:
    effect = rate_effect(12, 20, 5, 25)
    table = [[12, 8], [5, 20]]
    assert effect.p_value == pytest.approx(fisher_exact(table)[1])
    assert effect.or_low < effect.odds_ratio < effect.or_high
    assert effect.odds_ratio == pytest.approx(12 * 20 / (8 * 5))
    se = (1 / 12 + 1 / 8 + 1 / 5 + 1 / 20) ** 0.5  # Woolf's standard error of the log odds ratio
    assert effect.or_low == pytest.approx(6.0 * np.exp(-1.959964 * se), rel=1e-4)
    assert rate_effect(3, 5, 0, 0).diff is None


def test_bh_qvalues_follow_the_step_up_formula() -> None:
    p = [0.01, 0.04, None, 0.03, 0.20]
    q = bh_qvalues(p)
    ordered = sorted(x for x in p if x is not None)
    m = len(ordered)
    raw = [ordered[i] * m / (i + 1) for i in range(m)]
    expected = [min(raw[i:]) for i in range(m)]
    assert q[2] is None
    assert [q[0], q[3], q[1], q[4]] == pytest.approx(expected)
