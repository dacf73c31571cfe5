"""A hand-made call whose metrics are worked out by hand in the tests."""

from __future__ import annotations

from salesmind.conversations.transcripts import Segment

ROLES = {"Ana": "rep", "Bob": "prospect"}
SEGMENTS = [
    Segment("Ana", 0.0, 10.0, "Hi Bob, um, thanks for joining. How is the quarter going?"),
    Segment("Bob", 12.0, 20.0, "Good. We are also looking at Veloxa. The price is a problem for us."),
    Segment("Ana", 21.0, 31.0, "I understand. What budget do you have? Who else decides?"),
    Segment("Ana", 31.0, 36.0, "Next step: I will send the proposal by Friday."),
    Segment("Bob", 38.0, 40.0, "Sounds good."),
]
