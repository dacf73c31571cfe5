"""Early warnings: when they fire, their causes in words, and the play for each cause."""

from __future__ import annotations

import pytest

from salesmind.customers.warnings import (
    PLAYS,
    cause_sentence,
    causes,
    decide_alerts,
    protective,
    suggest_play,
)
from salesmind.scoring.reasons import Reason


def test_threshold_fires_on_crossing_and_on_a_first_score_above_it():
    found = decide_alerts({1: 0.35, 2: 0.35, 3: 0.29, 4: 0.40}, previous={1: 0.20, 2: 0.32, 3: 0.10},
                          open_alerts=[], threshold=0.30, jump=0.15)
    by_id = {d.subscription_id: d for d in found}
    assert set(by_id) == {1, 3, 4}
    assert (by_id[1].kind, by_id[1].previous_probability) == ("threshold", 0.20)
    assert by_id[3].kind == "jump"            # +0.19 while still under the threshold
    assert (by_id[4].kind, by_id[4].previous_probability) == ("threshold", None)  # never scored before
    # 2 was already above the threshold and moved only +0.03: no new alert.


def test_jump_fires_above_the_threshold_too_and_open_alerts_are_not_duplicated():
    found = decide_alerts({1: 0.60, 2: 0.60, 3: 0.44}, previous={1: 0.40, 2: 0.40, 3: 0.30}, open_alerts={2},
                          threshold=0.30, jump=0.15)
    assert [(d.subscription_id, d.kind) for d in found] == [(1, "jump")]  # 3 rose +0.14 only
    with pytest.raises(ValueError):
        decide_alerts({}, {}, [], threshold=1.5)


def r(column: str, value: str, contribution: float) -> Reason:
    return Reason(column, value, contribution, f"{column} is {value}")


def test_causes_are_the_raising_drivers_in_words_strongest_first():
    row = {"utilisation": 0.45, "utilisation_90d_ago": 0.80, "tickets_90d": 4}
    reasons = [r("tickets_90d", "4", 0.3), r("utilisation_change_90d", "-0.35", 0.9),
               r("utilisation", "0.45", 0.2), r("latest_nps", "10", -0.4), r("days_since_champion_left", "61", 0.25)]
    assert causes(reasons, row) == ["active users fell from 80% to 45% of seats in 3 months",
                                    "4 support tickets in the last 90 days", "the champion left 2 months ago"]
    assert protective(reasons) == ["last NPS 10 (promoter)"]
    assert cause_sentence(r("latest_nps", "5", 0.5), {}) == "last NPS 5 (detractor)"
    # Without the earlier value, the change reads on its own.
    assert cause_sentence(r("utilisation_change_90d", "-0.35", 0.9), {"utilisation": 0.45}) == \
        "active users fell 35 points of seats in 90 days"


@pytest.mark.parametrize(("column", "value", "play"), [
    ("utilisation_trend", "-0.04", "usage"), ("usage_units_trend", "-0.5", "usage"),
    ("champion_left", "True", "champion"), ("days_since_champion_left", "30", "champion"),
    ("high_priority_tickets_90d", "3", "support"), ("latest_nps", "3", "nps"),
    ("seat_change_90d", "-0.2", "price"), ("mrr", "9000", "price"),
    ("days_since_account_activity", "200", "contact"),
])
def test_play_follows_the_strongest_raising_cause(column, value, play):
    reasons = [r("latest_nps", "10", -2.0), r("tenure_days", "40", 0.9), r(column, value, 0.5),
               r("tickets_30d", "1", 0.1)]
    assert suggest_play(reasons) == PLAYS[play]


def test_play_names_the_plays_the_issue_asks_for():
    assert PLAYS["usage"] == "training / adoption workshop"
    assert PLAYS["champion"] == "executive call and find a new champion"
    assert PLAYS["support"] == "support escalation review"
    assert PLAYS["nps"] == "executive call" and PLAYS["price"] == "discount review"
    assert suggest_play([r("tenure_days", "40", 0.9)]) == PLAYS["contact"]
