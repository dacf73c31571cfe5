"""Every CRM feature reads as a true, rounded sentence in both directions."""

from __future__ import annotations

import re

import pytest

from salesmind.scoring.reasons import Reason
from salesmind.scoring.sentences import CATEGORIES, FLAGS, PHRASES, sentence

VALUES = ("0", "1", "3.9216", "1,234.5678", "")


def _say(column: str, value: str, contribution: float) -> str:
    return sentence(Reason(column, value, contribution, f"{column} is {value} (x)"))


@pytest.mark.parametrize("column", sorted(PHRASES) + sorted(FLAGS) + sorted(CATEGORIES))
def test_every_feature_reads_as_a_formatted_sentence(column: str) -> None:
    values = ("True", "False", "") if column in FLAGS else ("closed_won", "") if column in CATEGORIES else VALUES
    for value in values:
        for contribution in (0.3, -0.3):
            text = _say(column, value, contribution)
            assert text and "_" not in text, (column, value, text)  # never the raw column name
            assert not re.search(r"\d\.\d{2,}", text), (column, value, text)  # rounded for reading
            assert "nan" not in text.lower().split() and "{" not in text, text


def test_a_high_value_that_lowers_the_score_says_only() -> None:
    assert _say("engagement_velocity", "3.92", 0.4) == "engagement is 3.9x its earlier rate"
    assert _say("engagement_velocity", "3.92", -0.4) == "engagement is only 3.9x its earlier rate"
    assert _say("pricing_page_visits_7d", "3", -0.2) == "only 3 pricing-page visits in the last 7 days"
    assert _say("pricing_page_visits_7d", "1", 0.2) == "1 pricing-page visit in the last 7 days"
    assert _say("close_date_pushes", "2", -0.2) == "close date pushed 2 times"


def test_negative_signals_read_as_absences() -> None:
    assert _say("days_since_last_activity", "21", -0.5) == "no activity in 21 days"
    assert _say("email_opened_30d", "0", -0.5) == "no email opened in the last 30 days"
    assert _say("days_since_last_activity", "", -0.5) == "no activity recorded yet"
    assert _say("first_response_minutes", "185.5", -0.5) == "first response took 3.1 hours"
    assert _say("email_open_rate", "0.333", 0.5) == "opens 33% of emails"
    assert _say("no_response_yet", "True", -0.5) == "nobody has responded yet"
