"""Topic trackers, competitor mentions, objections and next steps with owners and dates."""

from __future__ import annotations

from datetime import date

import pytest

from salesmind.conversations.topics import build_trackers, next_steps, resolve_due, track_topics
from salesmind.conversations.transcripts import Segment
from hand_call import ROLES, SEGMENTS

MONDAY = date(2025, 6, 2)


def test_topics_competitors_objections_and_next_steps() -> None:
    found = track_topics(SEGMENTS, ROLES, build_trackers(["Veloxa", "PipeIQ"]), MONDAY)
    topics = found["topics"]
    assert topics["pricing"]["seconds"] == pytest.approx(8 + 10)        # "price" (Bob), "budget" (Ana)
    assert topics["pricing"]["moments"] == [12.0, 21.0]
    assert found["competitor_mentions"] == [{"name": "Veloxa", "speaker": "Bob", "at_seconds": 12.0}]
    assert found["objections"] == ["competitor", "price"]
    assert found["next_steps"] == [{"text": "Next step: I will send the proposal by Friday.", "owner": "Ana",
                                    "at_seconds": 31.0, "due": "2025-06-06", "due_text": "Friday"}]


def test_objections_only_from_the_prospect_and_custom_trackers() -> None:
    segs = [Segment("Ana", 0, 5, "Is the price a problem? We support SSO and Okta."),
            Segment("Bob", 5, 9, "We need approval from the board.")]
    found = track_topics(segs, ROLES, build_trackers(custom={"identity": ["okta", "single sign-on"]}), MONDAY)
    assert found["objections"] == ["authority"]
    assert found["topics"]["identity"]["mentions"] == 1
    assert found["topics"]["product_security"]["seconds"] == 5
    assert "competitors" not in found["topics"]


@pytest.mark.parametrize("text,due", [
    ("I will call you tomorrow.", date(2025, 6, 3)),
    ("Let's meet again on Monday.", date(2025, 6, 9)),
    ("We'll regroup next week.", date(2025, 6, 9)),
    ("I will send it by the end of the month.", date(2025, 6, 30)),
    ("Let's book 2025-07-01 for the pilot.", date(2025, 7, 1)),
    ("I will send the invite.", None),
])
def test_due_dates(text: str, due: date | None) -> None:
    assert resolve_due(text, MONDAY)[0] == due


def test_sentences_without_a_commitment_are_not_next_steps() -> None:
    assert next_steps([Segment("Bob", 0, 3, "We review the pipeline every Monday.")], MONDAY) == []
