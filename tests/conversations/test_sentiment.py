"""Per-speaker sentiment over a call with VADER."""

from __future__ import annotations

import pytest

from salesmind.conversations.sentiment import call_sentiment, compound
from salesmind.conversations.transcripts import Segment

pytest.importorskip("vaderSentiment")


def test_compound_is_vaders_score() -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    text = "The price is a problem for us."
    assert compound(text) == SentimentIntensityAnalyzer().polarity_scores(text)["compound"] < 0
    assert compound("That sounds really useful for us.") > 0


def test_per_speaker_buckets_follow_the_call() -> None:
    segs = [Segment("Bob", 0, 10, "This is terrible and I hate it."),
            Segment("Ana", 10, 20, "Okay."),
            Segment("Bob", 20, 30, "Honestly not sure, it sounds complicated."),
            Segment("Bob", 30, 40, "Great, that is wonderful, I love it.")]
    result = call_sentiment(segs, buckets=4)
    bob = result["speakers"]["Bob"]["over_time"]
    assert bob[0] < 0 < bob[3] and bob[1] is None
    assert result["speakers"]["Ana"]["over_time"] == [None, 0.2263, None, None]
    weights = [7, 6, 7]
    expected = sum(w * compound(s.text) for w, s in zip(weights, [segs[0], segs[2], segs[3]])) / sum(weights)
    assert result["speakers"]["Bob"]["overall"] == pytest.approx(expected, abs=1e-4)
