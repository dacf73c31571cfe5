"""Next-best-action: the landmark evidence rule on hand-made histories with a known effect, and the CRM readers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from salesmind.core.errors import UserInputError
from salesmind.customers.nba import (
    DEAL_ACTIONS,
    action_effects,
    action_events,
    compare,
    deal_spells,
    landmark_outcomes,
    next_best_actions,
    rank_actions,
)
from salesmind.data.models import Account, Activity, Opportunity, OpportunityHistory

T0 = datetime(2025, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def history(n: int = 200, rate_with: float = 0.7, rate_without: float = 0.4, segment: str = "mid_market",
            stage: str = "proposal", first_id: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` treated spells (action 2 days after entry) and ``n`` controls, with known success rates.

    A success exits to a higher stage 10 days after the landmark; a failure exits 40 days after it
    (outside the 30-day window).
    """
    spells, events = [], []
    for i in range(2 * n):
        unit = first_id + i
        treated = i < n
        start = T0 + timedelta(days=i % 60)
        landmark = start + timedelta(days=2)
        share = rate_with if treated else rate_without
        success = (i % n) < round(share * n)
        exit_ = landmark + timedelta(days=10 if success else 40)
        spells.append((unit, stage, segment, start, exit_, True))
        if treated:
            events.append((unit, landmark))
    return (pd.DataFrame(spells, columns=["unit_id", "stratum", "segment", "start", "exit", "good_exit"]),
            pd.DataFrame(events, columns=["unit_id", "time"]))


def test_known_effect_is_recovered_with_counts_interval_and_shrinkage():
    spells, events = history()
    outcomes = landmark_outcomes(spells, events, NOW, 30)
    assert outcomes["treated"].sum() == 200 and (~outcomes["treated"]).sum() == 200
    r = compare(outcomes, prior_n=30)
    assert r["rate_with"] == pytest.approx(0.7) and r["rate_without"] == pytest.approx(0.4)
    assert r["ci_low"] < 0.3 < r["ci_high"] and r["ci_low"] > 0.1
    assert r["shrunk"] == pytest.approx(0.3 * 100 / 130)  # n_eff = 200*200/400 = 100


def test_no_effect_gives_an_interval_around_zero():
    spells, events = history(rate_with=0.5, rate_without=0.5)
    r = compare(landmark_outcomes(spells, events, NOW, 30))
    assert r["difference"] == 0.0 and r["ci_low"] < 0 < r["ci_high"]


def test_point_in_time_events_after_now_and_open_windows_do_not_count():
    spells, events = history(n=50)
    cut = T0 + timedelta(days=40)  # landmarks after day 10 have no complete 30-day window yet
    outcomes = landmark_outcomes(spells, events, cut, 30)
    assert (outcomes["landmark"] + pd.Timedelta(days=30) <= pd.Timestamp(cut)).all()
    late = events.assign(time=events["time"] + pd.Timedelta(days=3650))  # all after now
    assert not landmark_outcomes(spells, late, NOW, 30)["treated"].any()


def test_controls_must_still_be_in_the_stage_at_the_landmark():
    spells, events = history(n=50)
    # controls that left the stage one day after entry (before the 2-day landmark) drop out
    gone = ~spells["unit_id"].isin(events["unit_id"]) & (spells["unit_id"] % 2 == 0)
    spells.loc[gone, "exit"] = spells.loc[gone, "start"] + pd.Timedelta(days=1)
    outcomes = landmark_outcomes(spells, events, NOW, 30)
    assert (~outcomes["treated"]).sum() == 25


def test_retention_outcome_counts_no_exit_in_the_window_as_success():
    spells, events = history(n=50)
    spells["good_exit"] = False
    r = compare(landmark_outcomes(spells, events, NOW, 30, success="retain"))
    assert r["rate_with"] == pytest.approx(0.3) and r["rate_without"] == pytest.approx(0.6)
    with pytest.raises(UserInputError, match="unknown success rule"):
        landmark_outcomes(spells, events, NOW, 30, success="grow")


def test_small_segment_falls_back_to_the_whole_stage():
    big, big_events = history(n=100, segment="smb")
    small, small_events = history(n=5, segment="enterprise", first_id=10_000)
    spells = pd.concat([big, small], ignore_index=True)
    events = pd.concat([big_events, small_events], ignore_index=True)
    basis, _ = action_effects(spells, events, NOW, 30, "proposal", "enterprise", min_n=20)
    assert basis == "proposal"
    basis, _ = action_effects(spells, events, NOW, 30, "proposal", "smb", min_n=20)
    assert basis == "proposal, smb"


def test_rank_actions_orders_by_shrunk_difference_and_lists_untraced_actions():
    spells_a, strong = history(rate_with=0.8, rate_without=0.4)
    spells_b, weak = history(rate_with=0.5, rate_without=0.4, first_id=1000)
    spells = pd.concat([spells_a, spells_b], ignore_index=True)
    demo, case, sponsor = DEAL_ACTIONS[0], DEAL_ACTIONS[1], DEAL_ACTIONS[2]
    ranked, missing = rank_actions(spells, {demo.key: weak, case.key: strong}, (demo, case, sponsor), NOW, 30,
                                   "proposal", "mid_market", "advance")
    assert [e.action.key for e in ranked] == ["case_study", "technical_demo"]
    # controls of the case study: A's 200 controls (40%) and all of B (45%)
    assert ranked[0].evidence.startswith("deals in proposal, mid_market that were offered a case study advanced "
                                         "within 30 days 80% of the time vs 43% without (n=200/600;")
    assert ranked[1].difference == pytest.approx(0.5 - (240 + 80) / 600)  # controls: all of A, B's controls
    assert [(a.key, why.startswith("no evidence yet")) for a, why in missing] == [("executive_sponsor", True)]


# --- the CRM readers on a hand-made database -------------------------------------------------------

def _deal(session, account, opp_id: int, stages: list[tuple[str, int]], outcome: str = "open") -> None:
    session.add(Opportunity(id=opp_id, name=f"deal {opp_id}", account_id=account.id, stage=stages[-1][0],
                            outcome=outcome, created_at=T0 + timedelta(days=stages[0][1])))
    for stage, day in stages:
        session.add(OpportunityHistory(opportunity_id=opp_id, stage=stage, changed_at=T0 + timedelta(days=day)))


def test_readers_and_next_best_actions_on_a_small_crm(sqlite_database):
    with sqlite_database.transaction() as s:
        account = Account(name="Acme", employees=500)
        s.add(account)
        s.flush()
        _deal(s, account, 1, [("prospecting", 0), ("proposal", 5), ("negotiation", 20)])
        _deal(s, account, 2, [("prospecting", 0), ("proposal", 8), ("closed_lost", 60)], outcome="lost")
        _deal(s, account, 3, [("prospecting", 0), ("proposal", 300)])
        s.add(Activity(type="call", subject="Demo and pricing call", occurred_at=T0 + timedelta(days=6),
                       opportunity_id=1, account_id=account.id))
        s.add(Activity(type="email_sent", subject="Demo recap", occurred_at=T0 + timedelta(days=9),
                       opportunity_id=2, account_id=account.id))  # an email is not a demo
        s.add(Activity(type="meeting", subject="Demo", occurred_at=NOW + timedelta(days=1),
                       opportunity_id=2, account_id=account.id))  # after now
    with sqlite_database.sessions() as s:
        spells = deal_spells(s, NOW)
        proposal = spells[spells["stratum"] == "proposal"].set_index("unit_id")
        assert proposal.loc[1, "good_exit"] and not proposal.loc[2, "good_exit"]
        assert pd.isna(proposal.loc[3, "exit"]) and proposal.loc[1, "segment"] == "mid_market"
        demo = action_events(s, NOW, DEAL_ACTIONS[0])
        assert list(demo["unit_id"]) == [1]
        result = next_best_actions(s, NOW, opportunity_id=3)
        assert result.basis == "proposal, mid_market" and result.ranked == []
        assert {a.key for a, _ in result.no_evidence} == {a.key for a in DEAL_ACTIONS}
        with pytest.raises(UserInputError, match="not an open deal"):
            next_best_actions(s, NOW, opportunity_id=2)
        with pytest.raises(UserInputError, match="exactly one"):
            next_best_actions(s, NOW)


def test_account_actions_for_the_whole_book_skip_what_each_customer_already_had(monkeypatch):
    from salesmind.customers import nba

    spells, events = history(n=60, rate_with=0.2, rate_without=0.8)  # retention: 80% with, 20% without
    spells["stratum"], spells["good_exit"] = nba.ACCOUNT_STRATUM, False
    current = pd.DataFrame([(1000, nba.ACCOUNT_STRATUM, "mid_market", T0, pd.NaT, False),
                            (1001, nba.ACCOUNT_STRATUM, "mid_market", T0, pd.NaT, False)], columns=spells.columns)
    spells = pd.concat([spells, current], ignore_index=True)
    events = pd.concat([events, pd.DataFrame({"unit_id": [1001], "time": [T0 + timedelta(days=5)]})])
    empty = pd.DataFrame(columns=["unit_id", "time"])
    monkeypatch.setattr(nba, "account_spells", lambda session, now: spells)
    monkeypatch.setattr(nba, "action_events",
                        lambda session, now, action: events if action.key == "training" else empty)
    out = nba.account_actions(None, NOW, top=3, window_days=30)
    assert set(out) == {1000}  # 1001 already had training; nothing else has evidence
    (best,) = out[1000]
    assert best["key"] == "training" and best["score"] > 0
    assert "80% of the time vs 21% without (n=61/61" in best["evidence"]  # the two current customers count too
