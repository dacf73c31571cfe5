"""The churn model recovers the demo company's documented causes, calibrated on held-out subscriptions.

The small demo company has only ~80 subscriptions, so this fast test simulates 4,000 straight
from :class:`salesmind.demo.causal.ChurnModel` (the process ``demo.customers`` runs month by
month: utilisation drift, the champion leaving, tickets, NPS every six months, the monthly churn
hazard), takes the churn features a year in, labels churn in the next three months, and trains
the scoring engine's :class:`TabularScorer` as the ``subscription`` kind does. The same check on
the medium demo company itself, through the whole product path, is in ``test_churn_medium.py``
(marked slow).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesmind.customers.warnings import CAUSE_KINDS
from salesmind.demo.causal import CAUSAL, sigmoid
from salesmind.scoring.base import BASE_VALUE
from salesmind.scoring.metrics import compute_metrics
from salesmind.scoring.scorer import TabularScorer

SNAPSHOT, HORIZON = 12, 3


def simulate(n: int, seed: int) -> pd.DataFrame:
    """Features at month SNAPSHOT of the subscriptions still active, and churn in the next HORIZON months."""
    model, rng = CAUSAL.churn, np.random.default_rng(seed)
    util, slope = rng.beta(6.0, 3.0, n), rng.normal(-0.005, 0.02, n)
    taste = rng.gamma(2.0, 0.5, n)
    history, tickets = np.full((n, SNAPSHOT + HORIZON), np.nan), np.zeros((n, SNAPSHOT + HORIZON))
    nps, left_at = np.full(n, np.nan), np.full(n, np.nan)
    alive, churned = np.ones(n, bool), np.zeros(n, bool)
    features: dict[str, np.ndarray] = {}
    for k in range(SNAPSHOT + HORIZON):
        if k == SNAPSHOT:
            features = {
                "utilisation": history[:, k - 1], "utilisation_90d_ago": history[:, k - 4],
                "utilisation_change_90d": history[:, k - 1] - history[:, k - 4],
                "tickets_30d": tickets[:, k - 1], "tickets_90d": tickets[:, k - 3:k].sum(axis=1), "latest_nps": nps.copy(),
                "champion_left": ~np.isnan(left_at), "days_since_champion_left": 30.0 * (k - left_at),
                "mrr": rng.lognormal(7.5, 0.8, n), "tenure_days": np.full(n, 30.0 * k)}
            at_snapshot = alive.copy()
        leaves = alive & np.isnan(left_at) & (rng.random(n) < model.champion_leave_monthly)
        util = np.clip(util + slope + rng.normal(0, 0.04, n) - model.champion_shock * leaves, 0.02, 1.0)
        slope = slope - 0.01 * leaves
        left_at = np.where(leaves, k, left_at)
        history[:, k] = util
        tickets[:, k] = rng.poisson((model.ticket_base_monthly + model.ticket_low_usage * (1 - util)) * taste)
        if k % model.nps_every_months == 3:
            nps = np.clip(np.round(model.nps_base + model.nps_utilisation * (util - 0.5)
                                   - model.nps_ticket * tickets[:, max(0, k - 2):k + 1].sum(axis=1)
                                   + rng.normal(0, 1.5, n)), 0, 10)
        decline = np.nan_to_num(history[:, max(0, k - 3)] - util) if k >= 3 else np.zeros(n)
        hazard = sigmoid(model.logit(decline=decline, utilisation=util, champion_gone=(~np.isnan(left_at)).astype(float),
                                     tickets_90d=tickets[:, max(0, k - 2):k + 1].sum(axis=1), nps=nps))
        churn = alive & (rng.random(n) < hazard)
        if k >= SNAPSHOT:
            churned |= churn
        alive &= ~churn
    frame = pd.DataFrame(features)
    frame["churned"] = churned.astype(int)
    return frame[at_snapshot].reset_index(drop=True)


def test_churn_model_is_calibrated_and_recovers_the_documented_causes():
    train, held = simulate(4000, seed=1), simulate(4000, seed=2)
    model = TabularScorer(target="churned", tune=False, n_folds=3, n_jobs=1, random_state=0).fit(train)
    p = model.predict_proba(held)[:, 1]
    metrics = compute_metrics(held["churned"].to_numpy(), p)
    assert metrics.roc_auc > 0.7
    assert metrics.ece < 0.03 and abs(p.mean() - held["churned"].mean()) < 0.02

    contrib = model.contributions(held).drop(columns=[BASE_VALUE])
    # Drivers grouped by the kind of cause the warnings name (a champion who left shows in both
    # ``champion_left`` and ``days_since_champion_left``); mrr is pure noise in this simulation.
    kinds = contrib.columns.map(lambda c: CAUSE_KINDS.get(c, "other"))
    weight = contrib.abs().mean().groupby(kinds).sum().sort_values(ascending=False)
    assert set(weight.index[:4]) == {"usage", "champion", "support", "nps"}, weight
    assert weight["price"] < weight.iloc[:4].min()

    def direction(column: str) -> float:
        ok = held[column].notna()
        return held.loc[ok, column].astype(float).rank().corr(contrib.loc[ok, column].rank())

    assert direction("utilisation_change_90d") < -0.5   # a fall in usage raises the risk
    assert direction("tickets_90d") > 0.5               # more tickets raise it
    assert direction("latest_nps") < -0.5               # a low NPS raises it
    gone = held["champion_left"].to_numpy()
    champion = contrib[["champion_left", "days_since_champion_left"]].sum(axis=1)
    assert champion[gone].mean() > 0.3 and champion[~gone].mean() < 0   # the champion leaving raises the risk
