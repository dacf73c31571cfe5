"""The adjusted competitor models recover effects planted in simulated deals (and match statsmodels' own fit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesmind.analytics.winloss_model import deal_model, stage_model, stage_rows

TRUTH = {"A": -0.6, "B": 0.3}


def _simulate(n: int, seed: int, stagewise: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    segment = rng.choice(["smb", "enterprise"], n)
    # competitor A turns up mostly in enterprise deals, which also win less: a confounder.
    p_a = np.where(segment == "enterprise", 0.5, 0.1)
    u = rng.random(n)
    competitor = np.where(u < p_a, "A", np.where(u < p_a + 0.2, "B", ""))
    stakeholders = rng.integers(1, 5, n)
    eta = (np.vectorize(lambda c: TRUTH.get(c, 0.0))(competitor) + np.where(segment == "enterprise", -0.5, 0.0)
           + 0.2 * (stakeholders - 1))
    frame = pd.DataFrame({"competitor": competitor, "segment": segment, "stakeholders": stakeholders,
                          "amount": rng.lognormal(10, 0.5, n), "source": "web", "owner_id": 1,
                          "discount_pct": rng.uniform(0, 20, n), "first_stage": 1.0})
    if stagewise:
        intercepts = np.array([1.5, 1.0, 0.0])
        reached = np.ones(n)
        won = np.zeros(n, bool)
        alive = np.ones(n, bool)
        for s, a in enumerate(intercepts, start=1):
            last = 0.05 * frame["discount_pct"].to_numpy() if s == 3 else 0.0
            advance = rng.random(n) < 1 / (1 + np.exp(-(a + eta + last)))
            reached = np.where(alive, s, reached)
            won = np.where(alive & advance & (s == 3), True, won)
            alive &= advance
        frame["won"], frame["stage_reached"] = won, reached
    else:
        frame["won"] = rng.random(n) < 1 / (1 + np.exp(-(0.4 + eta)))
        frame["stage_reached"] = np.nan
    frame.attrs["stages"] = ["a", "b", "c"]
    return frame


def test_deal_model_recovers_planted_effects_despite_confounding() -> None:
    deals = _simulate(6000, 0, stagewise=False)
    naive_a = deals.loc[deals.competitor == "A", "won"].mean() - deals.loc[deals.competitor == "", "won"].mean()
    model = deal_model(deals)
    assert "segment" in model.adjusted_for
    for name, truth in TRUTH.items():
        c = model.competitors[name]
        assert c.low < truth < c.high
    assert model.terms["stakeholders"].low < 0.2 < model.terms["stakeholders"].high
    assert naive_a < -0.15  # segment confounding makes the raw gap look worse than -0.6 log-odds alone


def test_stage_rows_expand_each_deal_over_the_stages_it_tried() -> None:
    deals = pd.DataFrame({"won": [True, False, False], "stage_reached": [3.0, 2.0, 1.0], "first_stage": [1.0, 1.0, 1.0]})
    deals.attrs["stages"] = ["a", "b", "c"]
    rows = stage_rows(deals)
    assert rows["position"].tolist() == [0, 0, 0, 1, 1, 2]
    assert rows["stage"].tolist() == [1, 2, 3, 1, 2, 1]
    assert rows["advanced"].tolist() == [True, True, True, True, False, False]
    assert rows["last_step"].tolist() == [False, False, True, False, False, False]


def test_stage_model_recovers_per_stage_effects_and_the_last_step_discount() -> None:
    deals = _simulate(5000, 1, stagewise=True)
    model = stage_model(deals)
    for name, truth in TRUTH.items():
        assert model.competitors[name].low < truth < model.competitors[name].high
    discount = model.terms["discount_last_step"]
    assert discount.log_odds == pytest.approx(0.05, abs=0.03)


def test_too_few_deals_say_so() -> None:
    model = deal_model(_simulate(12, 2, stagewise=False))
    assert model.competitors == {} and "at least" in model.note
