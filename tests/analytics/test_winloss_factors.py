"""Won-vs-lost factor comparison on hand-made closed deals with known answers."""

from __future__ import annotations

import pandas as pd
import pytest

from salesmind.analytics.winloss import compare_factors, loss_reason_group, quarterly, ranked


def _deals(rows: list[dict]) -> pd.DataFrame:
    base = {"amount": 10000.0, "discount_pct": 5.0, "stakeholders": 1, "cycle_days": 30.0, "stage_reached": 3.0,
            "industry": "Retail", "segment": "smb", "source": "webinar", "topics": None, "loss_reason": "",
            "closed_at": pd.Timestamp("2025-02-01", tz="UTC")}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_stakeholders_and_industry_effects_are_found_and_phrased() -> None:
    rows = []
    # 3+ stakeholders: 16 of 20 won; one stakeholder: 4 of 20 won. Industry plays no part.
    for i in range(20):
        rows.append({"won": i < 16, "stakeholders": 3 + i % 2, "industry": "Retail" if i % 2 else "Media"})
        rows.append({"won": i < 4, "stakeholders": 1, "industry": "Retail" if i % 2 else "Media"})
    factors = compare_factors(_deals(rows))
    by = {(f.factor, f.condition): f for f in factors}
    stake = by[("stakeholders", "stakeholders ≥ 2")]
    assert (stake.rate.won_in, stake.rate.n_in, stake.rate.won_out, stake.rate.n_out) == (16, 20, 4, 20)
    assert stake.rate.diff == pytest.approx(0.6)
    assert stake.significant and stake.test == "Mann-Whitney U"
    assert stake.sentence().startswith("we win 80% when stakeholders ≥ 2 (20 deals) vs 20% when stakeholders < 2")
    media = by[("industry", "industry is Media")]
    assert media.rate.diff == pytest.approx(0.0) and not media.significant
    assert ranked(factors, positive=True)[0] is stake
    assert ranked(factors, positive=False) == []
    assert all(f.q_value is None or f.q_value >= f.p_value for f in factors)


def test_constant_and_rare_factors_are_left_out() -> None:
    rows = [{"won": i % 2 == 0, "industry": "Software" if i < 3 else "Retail"} for i in range(30)]
    names = {(f.factor, f.condition) for f in compare_factors(_deals(rows))}
    assert not any(f == "amount" for f, _ in names)  # every amount equal: no split
    assert ("industry", "industry is Software") not in names  # 3 deals < MIN_LEVEL


def test_topics_compare_only_deals_with_calls() -> None:
    rows = [{"won": i < 8, "topics": frozenset({"pricing"}) if i < 10 else frozenset()} for i in range(20)]
    rows += [{"won": False, "topics": None} for _ in range(50)]
    topic = next(f for f in compare_factors(_deals(rows)) if f.factor == "topic")
    assert (topic.rate.won_in, topic.rate.n_in, topic.rate.won_out, topic.rate.n_out) == (8, 10, 0, 10)
    assert topic.share_won == pytest.approx(1.0) and topic.share_lost == pytest.approx(2 / 12)


def test_stage_reached_is_shown_but_never_advice() -> None:
    rows = [{"won": True, "stage_reached": 5.0} for _ in range(10)] + [{"won": False, "stage_reached": 2.0}
                                                                      for _ in range(10)]
    stage = next(f for f in compare_factors(_deals(rows)) if f.factor == "stage_reached")
    assert stage.outcome_bound and stage.q_value is None and not stage.significant
    assert stage.p_value is not None and stage.p_value < 0.001


def test_loss_reason_group_and_quarters() -> None:
    deals = _deals([{"won": True}, {"won": False, "loss_reason": "Price"}, {"won": False, "loss_reason": "Timing"},
                    {"won": False, "loss_reason": "Price", "closed_at": pd.Timestamp("2025-05-02", tz="UTC")}])
    assert len(loss_reason_group(deals, "Price")) == 3
    assert quarterly(deals) == [{"quarter": "2025Q1", "closed": 3, "won": 1, "rate": pytest.approx(1 / 3)},
                                {"quarter": "2025Q2", "closed": 1, "won": 0, "rate": 0.0}]
    assert compare_factors(deals[deals["won"]]) == []
