"""Effect sizes with confidence for won-versus-lost comparisons.

Numeric factors (amount, discount, stakeholders, cycle length): the difference in medians (won minus
lost) with a percentile bootstrap interval (``scipy.stats.bootstrap``), Cliff's delta (the
rank-biserial correlation, ``2U / (n_won n_lost) - 1``) and the two-sided Mann-Whitney U p-value.
Categorical factors (a level of industry, segment, source; a talk topic): the win-rate difference
inside versus outside the level with Newcombe's hybrid score interval (statsmodels), the odds ratio
with its Woolf (log) interval and Fisher's exact p-value (scipy). Benjamini-Hochberg q-values
(statsmodels ``multipletests(method="fdr_bh")``) control the false discovery rate across a card.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ALPHA = 0.05
N_RESAMPLES = 999


@dataclass(frozen=True)
class NumericEffect:
    """Won against lost values of one numeric factor."""

    n_won: int
    n_lost: int
    median_won: float | None
    median_lost: float | None
    diff: float | None
    diff_low: float | None
    diff_high: float | None
    cliffs_delta: float | None
    p_value: float | None


@dataclass(frozen=True)
class RateEffect:
    """Win rate inside a condition against outside it (a 2x2 table)."""

    won_in: int
    n_in: int
    won_out: int
    n_out: int
    rate_in: float | None
    rate_out: float | None
    diff: float | None
    diff_low: float | None
    diff_high: float | None
    odds_ratio: float | None
    or_low: float | None
    or_high: float | None
    p_value: float | None


def cliffs_delta(won: Sequence[float], lost: Sequence[float]) -> float:
    """P(won > lost) - P(won < lost) over all pairs, from the Mann-Whitney U statistic."""
    from scipy.stats import mannwhitneyu

    u, _ = mannwhitneyu(won, lost, alternative="two-sided")
    return float(2.0 * u / (len(won) * len(lost)) - 1.0)


def median_difference_ci(won: Sequence[float], lost: Sequence[float], *, alpha: float = ALPHA,
                         n_resamples: int = N_RESAMPLES, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of median(won) - median(lost) (groups resampled independently)."""
    from scipy.stats import bootstrap

    def statistic(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.median(a, axis=axis) - np.median(b, axis=axis)

    size = len(won) + len(lost)
    result = bootstrap((np.asarray(won, float), np.asarray(lost, float)), statistic, n_resamples=n_resamples,
                       confidence_level=1 - alpha, method="percentile", vectorized=True,
                       batch=max(1, min(n_resamples, 2_000_000 // max(size, 1))), random_state=seed)
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def numeric_effect(won: Sequence[float], lost: Sequence[float], *, alpha: float = ALPHA,
                   n_resamples: int = N_RESAMPLES, seed: int = 0) -> NumericEffect:
    """Medians, their bootstrap difference interval, Cliff's delta and the Mann-Whitney p of won vs lost."""
    from scipy.stats import mannwhitneyu

    a = np.asarray([v for v in won if v is not None and np.isfinite(v)], float)
    b = np.asarray([v for v in lost if v is not None and np.isfinite(v)], float)
    med_a = float(np.median(a)) if len(a) else None
    med_b = float(np.median(b)) if len(b) else None
    if len(a) < 2 or len(b) < 2:
        diff = None if med_a is None or med_b is None else med_a - med_b
        return NumericEffect(len(a), len(b), med_a, med_b, diff, None, None, None, None)
    u, p = mannwhitneyu(a, b, alternative="two-sided")
    low, high = median_difference_ci(a, b, alpha=alpha, n_resamples=n_resamples, seed=seed)
    return NumericEffect(len(a), len(b), med_a, med_b, med_a - med_b, low, high,
                         float(2.0 * u / (len(a) * len(b)) - 1.0), float(p))


def rate_effect(won_in: int, n_in: int, won_out: int, n_out: int, *, alpha: float = ALPHA) -> RateEffect:
    """Win rate inside vs outside a condition: Newcombe interval of the difference, odds ratio, Fisher p."""
    rate_in = won_in / n_in if n_in else None
    rate_out = won_out / n_out if n_out else None
    if not n_in or not n_out:
        return RateEffect(won_in, n_in, won_out, n_out, rate_in, rate_out, None, None, None, None, None, None, None)
    from scipy.stats import fisher_exact
    from scipy.stats.contingency import odds_ratio
    from statsmodels.stats.proportion import confint_proportions_2indep

    low, high = confint_proportions_2indep(won_in, n_in, won_out, n_out, method="newcomb", compare="diff",
                                           alpha=alpha)
    table = [[won_in, n_in - won_in], [won_out, n_out - won_out]]
    _, p = fisher_exact(table)
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero cell: infinite ratio, reported as None
        ratio = odds_ratio(table, kind="sample")
        or_low, or_high = ratio.confidence_interval(confidence_level=1 - alpha)
    return RateEffect(won_in, n_in, won_out, n_out, rate_in, rate_out, rate_in - rate_out, float(low), float(high),
                      _finite(ratio.statistic), _finite(or_low), _finite(or_high), float(p))


def _finite(value: float) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def bh_qvalues(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini-Hochberg adjusted p-values (None stays None and is not counted in the family)."""
    present = [i for i, p in enumerate(p_values) if p is not None]
    out: list[float | None] = [None] * len(p_values)
    if not present:
        return out
    from statsmodels.stats.multitest import multipletests

    _, q, _, _ = multipletests([p_values[i] for i in present], method="fdr_bh")
    for i, value in zip(present, q):
        out[i] = float(value)
    return out


__all__ = ["ALPHA", "NumericEffect", "RateEffect", "bh_qvalues", "cliffs_delta", "median_difference_ci",
           "numeric_effect", "rate_effect"]
