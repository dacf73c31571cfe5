"""Each rep's win probability per account cell, estimated from closed deals with empirical-Bayes shrinkage.

A rep with 3 closed deals must not be ranked on noise, so every rate is a posterior mean that leans on a
wider group in proportion to how little the rep has closed:

1. ``q_s``: the company's win rate in segment ``s`` (Laplace-smoothed, ``(W_s + 1) / (N_s + 2)``).
2. ``L_rs``: the rep's lift from the *other* segments, ``(W + k) / (E + k)`` over the rep's deals outside ``s``,
   where ``E`` is the wins the company rates predict for them (a Gamma(k, k) prior on a Poisson rate ratio,
   mean 1). Leaving ``s`` out keeps the same deals from being counted twice.
3. ``p_rs``: the rep's rate in segment ``s``, the Beta-binomial posterior mean
   ``(w_rs + m_s * q_s * L_rs) / (n_rs + m_s)``; the prior strength ``m_s`` is estimated by the method of moments
   from the spread of reps' observed rates in the segment (between-rep variance = observed variance minus the
   binomial noise), so the data decide how much reps really differ.
4. Industry and region experience: how much better the rep does in that industry (region) than in their own
   average, ``[(W_i + k) / (E_i + k)] / [(W + k) / (E + k)]`` with ``E`` the wins ``p_rs`` predicts; a rep who
   sold in one industry only has lift 1 there (no evidence of a difference), so shrinkage is not undone.

``p(rep, cell) = clip(p_rs * lift_industry * lift_region, 0.001, 0.999)`` for the cell
(segment, industry, region). It is a documented approximation (the lifts multiply as if independent), meant to
rank reps per account on evidence, not a causal effect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: prior strength (expected wins) of the Gamma prior on the lifts; a lift moves half way to the data at k wins
LIFT_PRIOR = 5.0
#: bounds for the method-of-moments Beta prior strength (pseudo-deals)
PRIOR_MIN, PRIOR_MAX, PRIOR_DEFAULT = 2.0, 200.0, 20.0
UNKNOWN = "unknown"

Cell = tuple[str, str, str]


def beta_prior_strength(wins: np.ndarray, deals: np.ndarray, base: float) -> float:
    """Method-of-moments Beta prior strength ``a + b`` from per-group wins and deal counts around ``base``.

    The variance of the observed rates is the between-group variance plus the mean binomial noise
    ``base (1 - base) E[1/n]``; ``a + b = base (1 - base) / tau^2 - 1``. Clamped to [2, 200]; 20 when fewer
    than three groups have deals.
    """
    wins, deals = np.asarray(wins, float), np.asarray(deals, float)
    keep = deals > 0
    if keep.sum() < 3 or not 0 < base < 1:
        return PRIOR_DEFAULT
    rates = wins[keep] / deals[keep]
    weights = deals[keep] / deals[keep].sum()
    observed = float(np.sum(weights * (rates - base) ** 2))
    noise = base * (1 - base) * float(np.sum(weights / deals[keep]))
    tau2 = observed - noise
    if tau2 <= 0:
        return PRIOR_MAX
    return float(np.clip(base * (1 - base) / tau2 - 1, PRIOR_MIN, PRIOR_MAX))


@dataclass(frozen=True)
class RepCellStats:
    """The evidence behind one rep's win probability in one cell (what the explanation shows)."""

    probability: float
    segment_rate: float
    segment_wins: int
    segment_deals: int
    industry_lift: float
    industry_deals: int
    region_lift: float
    region_deals: int


def _key(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return UNKNOWN
    return str(value)


class RepWinModel:
    """Shrunk win probabilities per (rep, segment, industry, region), fitted on closed deals.

    ``fit(deals)`` takes a frame with ``owner_id``, ``segment``, ``industry``, ``region`` and ``won`` (bool) per
    closed deal; ``predict(rep_ids, cells)`` returns the (reps x cells) probability matrix.
    """

    def __init__(self, lift_prior: float = LIFT_PRIOR) -> None:
        self.lift_prior = lift_prior

    def fit(self, deals: pd.DataFrame) -> RepWinModel:
        """Learn the company segment rates, each rep's lift, segment rates and industry/region lifts."""
        frame = pd.DataFrame({"rep": deals["owner_id"].astype("Int64"),
                              "segment": [_key(v) for v in deals["segment"]],
                              "industry": [_key(v) for v in deals["industry"]],
                              "region": [_key(v) for v in deals["region"]],
                              "won": deals["won"].astype(bool).astype(int)})
        frame = frame[frame["rep"].notna()]
        by_segment = frame.groupby("segment")["won"].agg(["sum", "count"])
        self.base_rate_ = float((frame["won"].sum() + 1) / (len(frame) + 2))
        self.segment_rate_ = {s: float((r["sum"] + 1) / (r["count"] + 2)) for s, r in by_segment.iterrows()}
        k = self.lift_prior
        frame["q"] = frame["segment"].map(self.segment_rate_)
        rep = frame.groupby("rep").agg(w=("won", "sum"), e=("q", "sum"))
        self.rep_totals_ = {int(r): (float(row.w), float(row.e)) for r, row in rep.iterrows()}
        cells = frame.groupby(["rep", "segment"]).agg(sum=("won", "sum"), count=("won", "count"), e=("q", "sum"))
        self.rep_segment_expected_ = {(int(r), s): float(row["e"]) for (r, s), row in cells.iterrows()}
        self.prior_strength_ = {}
        for segment, q in self.segment_rate_.items():
            part = cells.xs(segment, level="segment")
            self.prior_strength_[segment] = beta_prior_strength(part["sum"].to_numpy(), part["count"].to_numpy(), q)
        self.rep_segment_ = {(int(r), s): (int(row["sum"]), int(row["count"])) for (r, s), row in cells.iterrows()}
        frame["p"] = [self._segment_rate(int(r), s) for r, s in zip(frame["rep"], frame["segment"])]
        overall = frame.groupby("rep").agg(w=("won", "sum"), e=("p", "sum"))
        self.rep_fit_ = {int(r): float((row.w + k) / (row.e + k)) for r, row in overall.iterrows()}
        self.industry_ = self._lifts(frame, "industry")
        self.region_ = self._lifts(frame, "region")
        return self

    def _lifts(self, frame: pd.DataFrame, column: str) -> dict[tuple[int, str], tuple[float, int]]:
        k = self.lift_prior
        grouped = frame.groupby(["rep", column]).agg(w=("won", "sum"), e=("p", "sum"), n=("won", "count"))
        return {(int(r), c): (float((row.w + k) / (row.e + k)) / self.rep_fit_[int(r)], int(row.n))
                for (r, c), row in grouped.iterrows()}

    def rep_lift(self, rep: int, segment: str) -> float:
        """The rep's lift over company rates in every segment but ``segment`` (1 without such deals)."""
        k = self.lift_prior
        wins, expected = self.rep_totals_.get(rep, (0.0, 0.0))
        wins_s, _ = self.rep_segment_.get((rep, segment), (0, 0))
        expected_s = self.rep_segment_expected_.get((rep, segment), 0.0)
        return (wins - wins_s + k) / (expected - expected_s + k)

    def _segment_rate(self, rep: int, segment: str) -> float:
        q = self.segment_rate_.get(segment, self.base_rate_)
        prior_mean = min(q * self.rep_lift(rep, segment), 0.99)
        m = self.prior_strength_.get(segment, PRIOR_DEFAULT)
        wins, deals = self.rep_segment_.get((rep, segment), (0, 0))
        return (wins + m * prior_mean) / (deals + m)

    def stats(self, rep: int, cell: Cell) -> RepCellStats:
        """The probability of ``rep`` winning in ``cell`` with the counts and lifts behind it."""
        if not hasattr(self, "segment_rate_"):
            raise ValueError("RepWinModel is not fitted; call fit() first")
        segment, industry, region = (_key(c) for c in cell)
        rate = self._segment_rate(rep, segment)
        wins, deals = self.rep_segment_.get((rep, segment), (0, 0))
        ind_lift, ind_n = self.industry_.get((rep, industry), (1.0, 0))
        reg_lift, reg_n = self.region_.get((rep, region), (1.0, 0))
        p = float(np.clip(rate * ind_lift * reg_lift, 0.001, 0.999))
        return RepCellStats(p, rate, wins, deals, ind_lift, ind_n, reg_lift, reg_n)

    def predict(self, rep_ids: list[int], cells: list[Cell]) -> np.ndarray:
        """The (len(rep_ids) x len(cells)) matrix of win probabilities."""
        return np.array([[self.stats(r, c).probability for c in cells] for r in rep_ids], dtype=float)
