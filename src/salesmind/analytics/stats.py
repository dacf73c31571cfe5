"""The significance tests behind performance gaps, so that noise is not coached.

* Proportions (win rate, stage conversion, forecast hits): Fisher's exact test for the p-value and Newcombe's hybrid
  score interval (Newcombe 1998, method 10, via statsmodels) for the difference of proportions.
* Continuous values (deal size, cycle days, discount, activities a week): the two-sided Mann-Whitney U test and a
  percentile bootstrap interval of the difference of medians (``scipy.stats.bootstrap``).
* A rep's family of metrics is corrected with Benjamini-Hochberg (statsmodels ``multipletests(method="fdr_bh")``);
  a gap counts only when its adjusted q-value is below ``alpha``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

ALPHA = 0.05
MIN_SAMPLE = 3


@dataclass(frozen=True)
class Gap:
    """One metric of a rep against the top performers: values, difference with its 95% interval, the test used.

    ``diff`` is rep minus top performers (difference of proportions, or of medians for continuous metrics);
    ``q`` is the Benjamini-Hochberg adjusted p-value within the rep's metrics; ``verdict`` is ``behind``, ``ahead``,
    ``not_significant`` or ``too_few``.
    """

    metric: str
    rep_value: float | None
    top_value: float | None
    n_rep: int
    n_top: int
    diff: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p: float | None = None
    q: float | None = None
    test: str = ""
    verdict: str = "too_few"

    def as_dict(self) -> dict[str, object]:
        """Plain values for the API, CSV and templates."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def newcombe_interval(k1: int, n1: int, k2: int, n2: int, alpha: float = ALPHA) -> tuple[float, float]:
    """Newcombe's hybrid score interval of p1 - p2 (statsmodels ``confint_proportions_2indep(method="newcomb")``)."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    low, high = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff", alpha=alpha)
    return float(low), float(high)


def compare_proportions(metric: str, k_rep: int, n_rep: int, k_top: int, n_top: int, *, with_ci: bool = True,
                        min_sample: int = MIN_SAMPLE) -> Gap:
    """A proportion of the rep against the top performers' (Fisher's exact p, Newcombe interval of the difference)."""
    rep = k_rep / n_rep if n_rep else None
    top = k_top / n_top if n_top else None
    if n_rep < min_sample or n_top < min_sample:
        return Gap(metric, rep, top, n_rep, n_top)
    from scipy.stats import fisher_exact

    _, p = fisher_exact([[k_rep, n_rep - k_rep], [k_top, n_top - k_top]])
    low, high = newcombe_interval(k_rep, n_rep, k_top, n_top) if with_ci else (None, None)
    return Gap(metric, rep, top, n_rep, n_top, rep - top, low, high, float(p), test="Fisher exact")  # type: ignore


def median_difference_interval(x: Sequence[float], y: Sequence[float], *, n_resamples: int = 999,
                               seed: int = 0, alpha: float = ALPHA) -> tuple[float, float]:
    """Percentile bootstrap interval of median(x) - median(y), resampling each group independently."""
    from scipy.stats import bootstrap

    def statistic(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.median(a, axis=axis) - np.median(b, axis=axis)

    result = bootstrap((np.asarray(x, float), np.asarray(y, float)), statistic, n_resamples=n_resamples,
                       confidence_level=1 - alpha, method="percentile", vectorized=True,
                       rng=np.random.default_rng(seed))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def compare_distributions(metric: str, rep: Sequence[float], top: Sequence[float], *, with_ci: bool = True,
                          min_sample: int = MIN_SAMPLE, seed: int = 0) -> Gap:
    """A continuous metric of the rep against the top performers (Mann-Whitney U, bootstrap median difference)."""
    x = [float(v) for v in rep if v is not None and np.isfinite(v)]
    y = [float(v) for v in top if v is not None and np.isfinite(v)]
    mx = float(np.median(x)) if x else None
    my = float(np.median(y)) if y else None
    if len(x) < min_sample or len(y) < min_sample:
        return Gap(metric, mx, my, len(x), len(y))
    from scipy.stats import mannwhitneyu

    p = float(mannwhitneyu(x, y, alternative="two-sided").pvalue)
    low, high = median_difference_interval(x, y, seed=seed) if with_ci else (None, None)
    return Gap(metric, mx, my, len(x), len(y), mx - my, low, high, p, test="Mann-Whitney U")  # type: ignore


def benjamini_hochberg(pvalues: Sequence[float | None]) -> list[float | None]:
    """BH-adjusted q-values (statsmodels ``fdr_bh``); ``None`` entries are skipped and stay ``None``."""
    from statsmodels.stats.multitest import multipletests

    index = [i for i, p in enumerate(pvalues) if p is not None]
    out: list[float | None] = [None] * len(pvalues)
    if index:
        q = multipletests([pvalues[i] for i in index], method="fdr_bh")[1]
        for i, v in zip(index, q):
            out[i] = float(v)
    return out


def judge(gaps: Sequence[Gap], higher_is_better: dict[str, bool], alpha: float = ALPHA) -> list[Gap]:
    """The gaps with BH q-values across them and a verdict: behind / ahead when q < alpha, else not significant."""
    q = benjamini_hochberg([g.p for g in gaps])
    out = []
    for gap, qv in zip(gaps, q):
        if qv is None or gap.diff is None:
            out.append(replace(gap, q=qv))
            continue
        verdict = "not_significant"
        if qv < alpha and gap.diff != 0:
            better = (gap.diff > 0) == higher_is_better.get(gap.metric, True)
            verdict = "ahead" if better else "behind"
        out.append(replace(gap, q=qv, verdict=verdict))
    return out
