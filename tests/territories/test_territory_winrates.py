"""Empirical-Bayes win rates: the prior strength is recovered, few deals shrink hard, many deals barely."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from salesmind.territories.winrates import RepWinModel, beta_prior_strength


def test_method_of_moments_recovers_the_beta_prior_strength() -> None:
    rng = np.random.default_rng(0)
    a, b = 6.0, 14.0  # mean 0.3, strength 20
    p = rng.beta(a, b, 4000)
    n = rng.integers(5, 60, 4000)
    wins = rng.binomial(n, p)
    m = beta_prior_strength(wins, n, a / (a + b))
    assert m == pytest.approx(a + b, rel=0.15)
    # the same strength a maximum-likelihood beta-binomial fit (scipy) finds on this data
    grid = np.linspace(5, 60, 111)
    loglik = [stats.betabinom.logpmf(wins, n, 0.3 * g, 0.7 * g).sum() for g in grid]
    assert m == pytest.approx(grid[int(np.argmax(loglik))], rel=0.15)


def test_no_spread_between_groups_means_maximal_shrinkage() -> None:
    rng = np.random.default_rng(1)
    n = np.full(500, 30)
    assert beta_prior_strength(rng.binomial(n, 0.25), n, 0.25) >= 100


def _deals(rows: list[tuple[int, str, int, int]]) -> pd.DataFrame:
    out = []
    for rep, segment, wins, losses in rows:
        out += [(rep, segment, "software", "NA", True)] * wins + [(rep, segment, "software", "NA", False)] * losses
    return pd.DataFrame(out, columns=["owner_id", "segment", "industry", "region", "won"])


def test_three_lucky_deals_do_not_outrank_a_long_record() -> None:
    base = [(r, "smb", 10, 30) for r in range(10, 20)]  # a company at 25%
    model = RepWinModel().fit(_deals(base + [(1, "smb", 3, 0), (2, "smb", 60, 60)]))
    lucky = model.stats(1, ("smb", "software", "NA"))
    proven = model.stats(2, ("smb", "software", "NA"))
    assert lucky.segment_deals == 3 and proven.segment_deals == 120
    assert lucky.probability < proven.probability  # 3/3 is noise; 60/120 is evidence
    assert proven.segment_rate == pytest.approx(0.5, abs=0.05)
    assert 0.25 < lucky.segment_rate < 0.6


def test_posterior_mean_is_the_beta_binomial_update() -> None:
    model = RepWinModel().fit(_deals([(r, "smb", 5 + r % 4, 15) for r in range(12)]))
    m = model.prior_strength_["smb"]
    q, lift = model.segment_rate_["smb"], model.rep_lift(3, "smb")
    wins, deals = model.rep_segment_[(3, "smb")]
    posterior = stats.beta(m * q * lift + wins, m * (1 - q * lift) + deals - wins)
    assert model.stats(3, ("smb", "x", "y")).segment_rate == pytest.approx(posterior.mean())


def test_predict_needs_fit() -> None:
    with pytest.raises(ValueError, match="not fitted"):
        RepWinModel().predict([1], [("smb", "a", "b")])


def test_industry_lift_is_relative_to_the_reps_own_average() -> None:
    rows = []
    for rep in range(6):
        rows += [(rep, "smb", "software", "NA", w) for w in [True] * 8 + [False] * 22]
    rows += [(9, "smb", "software", "NA", w) for w in [True] * 20 + [False] * 10]
    rows += [(9, "smb", "retail", "NA", w) for w in [True] * 3 + [False] * 27]
    model = RepWinModel().fit(pd.DataFrame(rows, columns=["owner_id", "segment", "industry", "region", "won"]))
    assert model.stats(0, ("smb", "software", "NA")).industry_lift == pytest.approx(1.0)  # one industry: no evidence
    assert model.stats(9, ("smb", "software", "NA")).industry_lift > 1 > model.stats(9, ("smb", "retail", "NA")).industry_lift
    assert model.stats(9, ("smb", "health", "NA")).industry_lift == 1.0  # never sold there
