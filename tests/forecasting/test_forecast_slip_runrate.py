"""Slip model and run-rate on synthetic histories whose answers are known by counting."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.forecasting import RunRate, SlipModel

DAY0 = datetime(2023, 1, 1, tzinfo=timezone.utc)


def slipped_history(slips: list[int], age: int = 60) -> pd.DataFrame:
    """Won deals created ``age`` days before their expected date and closed ``slip`` days after it."""
    expected = [DAY0 + timedelta(days=2 * i + age) for i in range(len(slips))]
    return pd.DataFrame({
        "deal_id": range(len(slips)), "created_at": [e - timedelta(days=age) for e in expected],
        "closed_at": [e + timedelta(days=s, hours=5) for e, s in zip(expected, slips)],
        "amount": 1.0, "won": 1, "first_expected_close_date": [e.date() for e in expected]})


def open_deal(expected: date | None, created: date) -> pd.DataFrame:
    return pd.DataFrame({"deal_id": [1], "close_date": [expected], "created_at": [created]})


SLIPS = [s for s in range(10) for _ in range(10)]  # slips 0..9 days, ten deals each


def test_slip_probability_is_the_share_of_learned_slips_in_the_window() -> None:
    model = SlipModel().fit(slipped_history(SLIPS))
    due = date(2025, 3, 1)
    # not yet due: close within 4 days of the expected date -> slips 0..4 of 0..9
    assert model.p_close_by(open_deal(due, date(2025, 1, 1)), due + timedelta(days=4), due)[0] == 0.5
    # five days late: only deals slipping >= 5 count (50); of those, slips 5..7 close within 2 more days
    as_of = due + timedelta(days=5)
    assert model.p_close_by(open_deal(due, date(2025, 1, 1)), as_of + timedelta(days=2), as_of)[0] == 0.6
    assert model.p_close_by(open_deal(due, date(2025, 1, 1)), as_of - timedelta(days=1), as_of)[0] == 0.0


def test_a_deal_later_than_any_learned_slip_uses_the_longest_slips_tail() -> None:
    model = SlipModel(min_samples=10).fit(slipped_history(SLIPS + [20, 30]))
    due = date(2025, 3, 1)
    as_of = due + timedelta(days=100)
    # no learned deal slipped 100 days: the ten longest slips (9 x8, 20, 30) give residual times
    tail = np.sort(np.array(SLIPS + [20, 30]))[-10:]
    expected = np.mean(tail - tail[0] <= 15)
    assert model.p_close_by(open_deal(due, date(2025, 1, 1)), as_of + timedelta(days=15), as_of)[0] == expected
    assert 0 < expected < 1


def test_deals_without_an_expected_date_use_their_age() -> None:
    ages = [30] * 50 + [90] * 50
    history = slipped_history([0] * 100).assign(
        created_at=lambda f: f["closed_at"] - pd.to_timedelta(ages, unit="D"))
    model = SlipModel().fit(history)
    created = date(2025, 1, 1)
    deal = open_deal(None, created)
    # 10 days old: half close at age 30 (inside 40 days), half at 90
    assert model.p_close_by(deal, created + timedelta(days=40), created + timedelta(days=10))[0] == 0.5
    # 40 days old: the age-30 deals are gone; every survivor closes at 90
    assert model.p_close_by(deal, created + timedelta(days=95), created + timedelta(days=40))[0] == 1.0
    assert model.p_close_by(deal, created + timedelta(days=80), created + timedelta(days=40))[0] == 0.0


def test_lost_deals_do_not_teach_the_slip() -> None:
    history = pd.concat([slipped_history([0] * 20), slipped_history([50] * 20).assign(won=0)])
    model = SlipModel().fit(history)
    due = date(2025, 3, 1)
    assert model.p_close_by(open_deal(due, date(2025, 1, 1)), due, due - timedelta(days=3))[0] == 1.0


def daily_history(days: int = 730, lag: int = 10, amount: float = 100.0) -> pd.DataFrame:
    """One deal created every day, won ``lag`` days later, plus one lost deal a day."""
    created = [DAY0 + timedelta(days=d, hours=9) for d in range(days)]
    won = pd.DataFrame({"created_at": created, "closed_at": [c + timedelta(days=lag) for c in created],
                        "amount": amount, "won": 1})
    lost = won.assign(won=0, amount=5_000.0)
    return pd.concat([won, lost], ignore_index=True)


def test_run_rate_counts_only_deals_that_can_be_created_and_won_in_the_window() -> None:
    rate = RunRate().fit(daily_history())
    as_of = date(2026, 1, 1)
    # created in the next 30 days and won by day 30: those created in the first 20 days
    assert rate.expected(as_of, as_of + timedelta(days=30), as_of) == (2_000.0, 0.0)
    # a window starting 15 days out only counts wins on/after day 15: creations on days 5..20
    assert rate.expected(as_of + timedelta(days=15), as_of + timedelta(days=30), as_of) == (1_600.0, 0.0)
    draws = rate.sample(as_of, as_of + timedelta(days=30), as_of, 50, np.random.default_rng(0))
    assert np.all(draws == 2_000.0)


def test_run_rate_spread_reflects_uneven_history() -> None:
    history = daily_history()
    history.loc[(history.index % 2 == 0) & (history["won"] == 1), "amount"] = 300.0
    rate = RunRate(step_days=1).fit(history)
    mean, sd = rate.expected(date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 1))
    assert mean == 0.0 and sd == 0.0  # a one-day window: no new deal can close in time
    mean, sd = rate.expected(date(2026, 1, 1), date(2026, 1, 12), date(2026, 1, 1))  # one deal fits
    assert mean == pytest.approx(200.0, abs=2.0) and sd == pytest.approx(100.0, abs=2.0)


def test_estimators_refuse_use_before_fit_and_bad_frames() -> None:
    with pytest.raises(NotFittedError):
        SlipModel().p_close_by(open_deal(None, date(2025, 1, 1)), date(2025, 2, 1), date(2025, 1, 1))
    with pytest.raises(NotFittedError):
        RunRate().expected(date(2025, 1, 1), date(2025, 2, 1), date(2025, 1, 1))
    with pytest.raises(UserInputError, match="amount"):
        RunRate().fit(pd.DataFrame({"created_at": [], "closed_at": [], "won": []}))


def test_staleness_is_the_conditional_win_incidence_of_lifelines_aalen_johansen() -> None:
    from lifelines import AalenJohansenFitter, KaplanMeierFitter

    won_ages, lost_ages = np.arange(10, 130, 2), np.arange(11, 91, 2)  # distinct days: no ties
    open_ages = np.r_[np.arange(3, 300, 7)]
    closed = pd.DataFrame({"created_at": DAY0, "won": [1] * len(won_ages) + [0] * len(lost_ages),
                           "closed_at": [DAY0 + timedelta(days=int(a), hours=1) for a in np.r_[won_ages, lost_ages]]})
    as_of = DAY0 + timedelta(days=1000)
    asked = np.array([0, 20, 45, 80, 125, 200, 290])
    deals = pd.DataFrame({"created_at": [as_of - timedelta(days=int(a)) for a in np.r_[asked, open_ages]]})
    found = SlipModel(min_samples=5).fit(closed).staleness(deals, as_of)[:len(asked)]
    durations = np.r_[won_ages, lost_ages, asked, open_ages]
    events = np.r_[np.ones(len(won_ages)), np.full(len(lost_ages), 2), np.zeros(len(asked) + len(open_ages))]
    cif = AalenJohansenFitter(calculate_variance=False).fit(durations, events, event_of_interest=1)
    cif = cif.cumulative_density_.iloc[:, 0]
    km = KaplanMeierFitter().fit(durations, events > 0).survival_function_.iloc[:, 0]
    total = cif.iloc[-1]
    for age, ratio in zip(asked, found):
        before_cif = cif[cif.index < age].iloc[-1] if (cif.index < age).any() else 0.0
        before_km = km[km.index < age].iloc[-1] if (km.index < age).any() else 1.0
        assert ratio == pytest.approx((total - before_cif) / before_km / total, abs=1e-9), age
    assert found[0] == pytest.approx(1.0) and found[-1] == 0.0  # older than any closed deal, 2+ at risk


def test_stale_undated_deals_count_less_in_the_simulation() -> None:
    from salesmind.forecasting.pipeline import PipelineSimulator

    closed = pd.DataFrame({"created_at": DAY0, "won": 1, "amount": 100.0,
                           "closed_at": [DAY0 + timedelta(days=20 + i % 20) for i in range(100)]})
    as_of = DAY0 + timedelta(days=400)
    fresh = pd.DataFrame({"deal_id": range(30), "amount": 100.0, "win_probability": 0.5,
                          "created_at": as_of - timedelta(days=5)})
    stale = fresh.assign(deal_id=range(30, 60), created_at=as_of - timedelta(days=200))
    simulator = PipelineSimulator(n_simulations=2000, include_new_pipeline=False).fit(closed)
    end = (as_of + timedelta(days=90)).date()
    only_fresh = simulator.simulate(fresh, as_of.date(), end, as_of).mean
    both = simulator.simulate(pd.concat([fresh, stale]), as_of.date(), end, as_of).mean
    assert only_fresh == pytest.approx(1500, rel=0.05) and both == pytest.approx(only_fresh, rel=0.01)
