"""The reply-intent benchmark's helpers, on tiny hand-made answers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository
    sys.path.insert(0, str(ROOT))
from bench.replies_intent import per_intent_f1, scores  # noqa: E402


def test_scores_weigh_every_intent_the_same() -> None:
    truth = ["unsubscribe", "unsubscribe", "unsubscribe", "referral"]
    predicted = ["unsubscribe", "unsubscribe", "unsubscribe", "unsubscribe"]
    result = scores(truth, predicted)
    assert result["accuracy"] == pytest.approx(0.75)
    # F1 unsubscribe = 2*0.75*1/1.75 = 6/7, referral 0; the other eight intents (absent) count as 0 too
    assert result["macro_f1"] == pytest.approx((6 / 7) / 10)


def test_per_intent_table_has_a_row_per_intent_and_a_column_per_model() -> None:
    table = per_intent_f1(["referral", "other"], {"a": ["referral", "other"], "b": ["other", "other"]})
    lines = table.splitlines()
    assert lines[0] == "| intent | test replies | a | b |"
    assert "| referral | 1 | 1.00 | 0.00 |" in lines
    assert "| other | 1 | 1.00 | 0.67 |" in lines
    assert len(lines) == 2 + 10
