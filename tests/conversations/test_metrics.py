"""Call metrics on a hand-made call with answers worked out by hand (see hand_call.py)."""

from __future__ import annotations

import pytest

from salesmind.conversations.metrics import call_metrics, count_fillers, count_questions
from salesmind.conversations.transcripts import Segment
from hand_call import ROLES, SEGMENTS


def test_every_metric_on_the_hand_made_call() -> None:
    m = call_metrics(SEGMENTS, ROLES)
    # rep speaks 10 + 10 + 5 = 25 s, prospect 8 + 2 = 10 s
    assert m["talk_ratio"] == pytest.approx(25 / 35)
    # rep runs: 0-10 and 21-36 (two segments back to back); prospect runs: 12-20 and 38-40
    assert m["longest_monologue_seconds"] == pytest.approx(15.0)
    assert m["longest_customer_story_seconds"] == pytest.approx(8.0)
    # speaker changes Ana>Bob, Bob>Ana, Ana>Bob over 40 s
    assert m["speaker_switches"] == 3
    assert m["interactivity"] == pytest.approx(3 / (40 / 60))
    # the rep answers once, 1 s after the prospect stopped (20 -> 21)
    assert m["patience_seconds"] == pytest.approx(1.0)
    assert m["rep_questions"] == 3
    assert m["rep_questions_per_hour"] == pytest.approx(3 / (40 / 3600))
    # rep words 11 + 10 + 9 = 30 in 25 s; prospect 14 + 2 = 16 in 10 s
    assert m["rep_words"] == 30 and m["prospect_words"] == 16
    assert m["rep_words_per_minute"] == pytest.approx(30 / (25 / 60))
    assert m["prospect_words_per_minute"] == pytest.approx(16 / (10 / 60))
    assert m["rep_fillers_per_100_words"] == pytest.approx(100 / 30)
    assert m["prospect_fillers_per_100_words"] == 0


def test_overlap_counts_as_zero_pause_and_missing_roles_are_none() -> None:
    segs = [Segment("B", 0, 5, "Well."), Segment("A", 4, 8, "Right?")]
    m = call_metrics(segs, {"A": "rep", "B": "prospect"})
    assert m["patience_seconds"] == 0.0
    only_rep = call_metrics([Segment("A", 0, 6, "Hello.")], {"A": "rep"})
    assert only_rep["talk_ratio"] == 1.0 and only_rep["longest_customer_story_seconds"] is None
    assert only_rep["patience_seconds"] is None and only_rep["prospect_words_per_minute"] is None
    assert call_metrics([], {}) == {}


def test_questions_and_fillers() -> None:
    assert count_questions("Really? Yes. And then what? No!") == 2
    assert count_fillers("Um, so, you know, I mean it. I like it. Like, basically uh fine.") == 6
