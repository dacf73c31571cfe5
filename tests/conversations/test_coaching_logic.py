"""Coaching logic on hand-made calls: Wilson intervals, top performers, the significance guard, moments."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from salesmind.conversations.coaching import (
    METRICS,
    SPECS,
    CallFacts,
    coach,
    compare,
    find_moment,
    reference_breach,
    top_performers,
    wilson_interval,
    win_rates,
    worst_calls,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hand_call import ROLES, SEGMENTS


def calls(user_id: int, talk: list[float], *, questions: int = 12, next_step: bool = True,
          start: int = 0) -> list[CallFacts]:
    """Calls whose talk ratios are given and whose other metrics are the same for everyone."""
    return [CallFacts(start + i, user_id, f"Discovery call {i}", True,
                      {"talk_ratio": t, "rep_questions": questions, "longest_monologue_seconds": 60.0,
                       "patience_seconds": 0.8, "interactivity": 3.0, "rep_fillers_per_100_words": 0.5},
                      next_step) for i, t in enumerate(talk)]


# Newcombe (1998), "Two-sided confidence intervals for the single proportion", Statistics in Medicine 17, table I,
# method 3 (Wilson score interval without continuity correction).
@pytest.mark.parametrize("k,n,low,high", [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605),
                                         (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)])
def test_wilson_interval_matches_newcombe(k: int, n: int, low: float, high: float) -> None:
    got = wilson_interval(k, n)
    assert got[0] == pytest.approx(low, abs=1e-4) and got[1] == pytest.approx(high, abs=1e-4)


def test_top_performers_take_the_top_quartile_of_reps_with_enough_closed_deals() -> None:
    rates = win_rates({1: (8, 2), 2: (6, 4), 3: (5, 5), 4: (2, 8), 5: (3, 0), 6: (0, 0), 7: (4, 6)})
    assert 6 not in rates and rates[1].rate == 0.8 and rates[1].low < 0.8 < rates[1].high
    assert top_performers(rates) == {1, 2}  # 5 eligible (rep 5 has 3 closed deals): ceil(5 / 4) = 2
    assert top_performers(rates, min_closed=3) == {5, 1}  # rep 5 joins, 100% first
    assert top_performers(win_rates({1: (1, 3)}), min_closed=4) == {1}  # at least one
    assert top_performers(win_rates({1: (1, 1)})) == set()  # nobody with enough closed deals


def test_a_rep_equal_to_the_top_performers_gets_no_item() -> None:
    top = calls(1, [0.40, 0.45, 0.50, 0.42, 0.48, 0.44, 0.46, 0.41])
    twin = calls(2, [0.41, 0.44, 0.49, 0.43, 0.47, 0.45, 0.46, 0.40], start=100)
    comparisons, work_on, strengths = coach(twin, top)
    assert work_on == [] and strengths == []
    assert {c.verdict for c in comparisons} == {"on_par"}
    assert comparisons[0].p_value is not None and comparisons[0].p_value > 0.05


def test_a_talkative_rep_gets_talk_ratio_first_with_the_gap_and_examples() -> None:
    top = calls(1, [0.40, 0.45, 0.50, 0.42, 0.48, 0.44, 0.46, 0.41])
    rep = calls(2, [0.70, 0.72, 0.68, 0.75, 0.66, 0.71, 0.69, 0.73], start=100)
    comparisons, work_on, _ = coach(rep, top)
    talk = next(c for c in comparisons if c.spec.key == "talk_ratio")
    assert talk.verdict == "work_on" and talk.gap == pytest.approx(0.705 - 0.445)
    assert talk.p_value < 0.001 and talk.effect == pytest.approx(1.0)  # every rep call above every top call
    item = work_on[0]
    assert item.metric == "talk_ratio" and item.rep_value == "70%" and "top performers 44%" in item.target
    assert "Gong's line" in item.reason and "Mann-Whitney" in item.reason
    assert item.example_calls == (103, 107, 101)  # the three most talkative calls: 75%, 73%, 72%


def test_a_significant_but_immaterial_gap_is_not_coached() -> None:
    top = calls(1, [0.400, 0.401, 0.402, 0.403, 0.404, 0.405, 0.406, 0.407])
    rep = calls(2, [0.410, 0.411, 0.412, 0.413, 0.414, 0.415, 0.416, 0.417], start=100)
    talk = compare(SPECS["talk_ratio"], rep, top)
    assert talk.p_value < 0.05 and talk.verdict == "on_par"  # 1 point more talk is below the 3-point threshold


def test_too_few_calls_and_strengths() -> None:
    top = calls(1, [0.60, 0.62, 0.58, 0.61, 0.59, 0.63])
    assert compare(SPECS["talk_ratio"], calls(2, [0.3, 0.3], start=100), top).verdict == "too_few_calls"
    _, work_on, strengths = coach(calls(2, [0.40, 0.42, 0.38, 0.41, 0.39, 0.43], start=100), top)
    assert [s.metric for s in strengths] == ["talk_ratio"] and work_on == []


def test_next_step_share_uses_fisher_and_points_at_calls_without_one() -> None:
    top = calls(1, [0.5] * 10)
    rep = calls(2, [0.5] * 8, next_step=False, start=100) + calls(2, [0.5] * 2, start=200)
    c = compare(SPECS["next_step_share"], rep, top)
    assert c.rep.mean == pytest.approx(0.2) and c.top_mean == 1.0 and c.verdict == "work_on"
    assert c.p_value == pytest.approx(0.00071, abs=1e-5)  # Fisher exact, [[2, 8], [10, 0]]
    assert all(i < 200 for i in worst_calls(rep, SPECS["next_step_share"]))


def test_reference_line_alone_can_raise_an_item() -> None:
    rep = calls(2, [0.70, 0.72, 0.68, 0.75, 0.66, 0.71], questions=6)
    assert reference_breach(SPECS["talk_ratio"], rep) is not None
    assert reference_breach(SPECS["rep_questions"], rep) is not None
    assert reference_breach(SPECS["patience_seconds"], rep) is None
    _, work_on, _ = coach(rep, [])  # no top performers: the references still speak
    assert {i.metric for i in work_on} == {"talk_ratio", "rep_questions"}
    assert "Gong's line" in work_on[0].reason


def test_questions_are_judged_on_discovery_calls_when_there_are_any() -> None:
    rep = [CallFacts(1, 2, "Intro", False, {"rep_questions": 2}, True),
           CallFacts(2, 2, "Discovery", True, {"rep_questions": 12}, True)]
    c = compare(SPECS["rep_questions"], rep, [])
    assert c.rep.mean == 12 and c.sample == "discovery calls" and c.verdict == "too_few_calls"
    assert compare(SPECS["rep_questions"], rep[:1], []).sample == "all calls"
    assert len(METRICS) == 7


def test_moments_on_the_hand_made_call() -> None:
    # Ana's runs: 0-10 s, then 21-36 s (two segments); Bob's turn ends at 20 s and Ana answers at 21 s.
    quote = "I understand. What budget do you have? Who else decides? Next step: I will send the proposal by …"
    assert find_moment("talk_ratio", SEGMENTS, ROLES) == (21.0, quote)
    assert find_moment("patience_seconds", SEGMENTS, ROLES)[0] == 21.0
    assert find_moment("rep_fillers_per_100_words", SEGMENTS, ROLES) == (0.0, "Hi Bob, um, thanks for joining.")
    assert find_moment("next_step_share", SEGMENTS, ROLES) == (21.0, "Next step: I will send the proposal by Friday.")
    assert find_moment("rep_questions", SEGMENTS, ROLES)[0] == 21.0  # every run asks: the longest one
    assert find_moment("talk_ratio", SEGMENTS, {"Ana": "prospect", "Bob": "prospect"}) is None
