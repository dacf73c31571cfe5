"""Interval calibration: the conformal quantile against a reference, coverage on simulated noise."""

import numpy as np
import pytest

from salesmind.forecasting.intervals import (calibrate_level, conformal_quantile, interval_coverage,
                                             min_points_for)


def test_conformal_quantile_matches_the_finite_sample_rank():
    scores = np.arange(1, 20, dtype=float)  # n = 19: the ceil(20 * 0.8) = 16th smallest
    assert conformal_quantile(scores, 0.8) == 16.0
    assert conformal_quantile(scores, 0.999) == 19.0
    assert conformal_quantile(np.array([]), 0.9) == 1.0


@pytest.mark.parametrize("n", [19, 50, 333])
@pytest.mark.parametrize("coverage", [0.8, 0.95])
def test_conformal_quantile_equals_numpys_inverted_cdf_at_the_corrected_level(n, coverage):
    # Reference: the split-conformal quantile is numpy's inverted-CDF quantile at ceil((n+1)c)/n.
    scores = np.random.default_rng(n).exponential(size=n)
    reference = np.quantile(scores, min(1.0, np.ceil((n + 1) * coverage) / n), method="inverted_cdf")
    assert conformal_quantile(scores, coverage) == pytest.approx(reference)


@pytest.mark.parametrize("level", [80, 95])
def test_too_narrow_gaussian_intervals_become_conformal_and_cover_new_noise(level):
    rng = np.random.default_rng(level)
    z = {80: 1.2816, 95: 1.96}[level]
    calib = rng.normal(0, 2.0, 2000)  # true sd 2, the "model" believes sd 1
    result = calibrate_level(calib, np.zeros_like(calib), -z * np.ones_like(calib), z * np.ones_like(calib),
                             level, tolerance=0.03)
    assert result.method == "conformal" and result.factor == pytest.approx(2.0, rel=0.1)
    fresh = rng.normal(0, 2.0, 20000)
    covered = interval_coverage(fresh, -z * result.factor, z * result.factor)
    assert abs(covered - level / 100) < 0.02


def test_right_intervals_are_kept_and_too_few_points_are_not_calibrated():
    rng = np.random.default_rng(7)
    y = rng.normal(0, 1, 4000)
    ones = np.ones_like(y)
    kept = calibrate_level(y, 0 * ones, -1.96 * ones, 1.96 * ones, 95, tolerance=0.03)
    assert kept.method == "model" and kept.factor == 1.0 and abs(kept.coverage - 0.95) < 0.02
    few = y[: min_points_for(95) - 1] * 10
    rough = calibrate_level(few, 0 * few, -np.ones_like(few), np.ones_like(few), 95, tolerance=0.03)
    assert rough.method.startswith("model (too few") and rough.factor == 1.0


def test_split_conformal_coverage_holds_over_repeated_small_samples():
    # Finite-sample guarantee: for n exchangeable scores, P(new score <= q) is in [c, c + 1/(n+1)].
    rng = np.random.default_rng(11)
    n, coverage, hits = 30, 0.8, []
    for _ in range(4000):
        scores = np.abs(rng.standard_t(3, n + 1))
        hits.append(scores[-1] <= conformal_quantile(scores[:-1], coverage))
    assert coverage - 0.02 <= np.mean(hits) <= coverage + 1 / (n + 1) + 0.02
