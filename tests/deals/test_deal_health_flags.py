"""Each red flag on a hand-made deal with known answers, its absence on a healthy deal, and the leak test."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from salesmind.core.db import Database
from salesmind.deals.health import FLAG_CODES, HealthConfig, assess, red_flags
from salesmind.deals.signals import DealSignals, SentimentPoint, deal_signals, sentiment_trend

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deal_health_world import AS_OF, DealWorld, delete_after, seed_deals  # noqa: E402


@pytest.fixture
def world(sqlite_database: Database) -> DealWorld:
    return seed_deals(sqlite_database)


def _signals(database: Database) -> dict[int, DealSignals]:
    with database.transaction() as s:
        return deal_signals(s, AS_OF)


def test_signals_of_the_hand_made_deals(sqlite_database: Database, world: DealWorld) -> None:
    got = _signals(sqlite_database)
    sick, fine = got[world.deals["sick"]], got[world.deals["fine"]]
    assert (sick.stage, sick.stage_rank, sick.close_date_pushes) == ("negotiation", 5, 3)
    assert sick.days_in_stage == pytest.approx(40.0)
    assert sick.days_since_last_activity == pytest.approx(20.0)
    assert sick.contacts_engaged_30d == 1  # Dan only (the rep's email to Carla is not her engagement)
    assert sick.champion_known and sick.champion_days_silent == pytest.approx(50.0)  # Carla, last on call A
    assert not sick.pricing_discussed and sick.calls == 2
    assert (sick.competitor_mentions_per_call_30d, sick.competitor_mentions_per_call_before) == (2.0, 0.0)
    assert sick.next_step_on_last_call is False
    assert [(p.source, p.score) for p in sick.sentiment_series][0::2] == [("call", 0.6), ("call", -0.5)]
    assert sick.sentiment_series[1].source == "email" and sick.sentiment_series[1].score < -0.5
    assert sick.sentiment_slope_per_30d is not None and sick.sentiment_slope_per_30d < -0.5
    assert fine.contacts_engaged_30d == 2 and fine.pricing_discussed and fine.next_step_on_last_call
    assert fine.champion_days_silent == pytest.approx(3.0)  # Eve, the primary contact (no champion role)
    assert fine.days_since_last_activity == pytest.approx(3.0)


def test_every_flag_on_the_sick_deal_and_none_on_the_fine_one(sqlite_database: Database, world: DealWorld) -> None:
    got = _signals(sqlite_database)
    flags = {f.code: f for f in red_flags(got[world.deals["sick"]])}
    assert set(flags) == set(FLAG_CODES)
    assert flags["no_recent_activity"].message == "no activity in 20 days"
    assert flags["no_recent_activity"].severity == "medium"
    assert flags["close_date_pushed"].message == "close date pushed 3 times"
    assert flags["close_date_pushed"].severity == "high"
    assert flags["champion_silent"].message == "champion silent for 50 days"
    assert flags["single_threaded"].message == "one contact engaged in the last 30 days"
    assert flags["late_stage_no_pricing"].message == "in negotiation and pricing not discussed on any of 2 calls"
    assert flags["competitor_gaining"].evidence == {"per_call_recent": 2.0, "per_call_before": 0.0}
    assert flags["no_next_step"].message == "no next step agreed on the last call"
    assert flags["negative_sentiment_trend"].message.startswith("prospect sentiment falling: +0.60 to -0.50")
    health = assess(got[world.deals["sick"]])
    assert health.score == 0.0 and health.grade == "critical"
    fine = assess(got[world.deals["fine"]])
    assert fine.flags == [] and fine.score == 100.0 and fine.grade == "healthy"


def test_leak_records_after_the_cut_off_change_nothing(sqlite_database: Database, world: DealWorld) -> None:
    before = {k: v.to_dict() for k, v in _signals(sqlite_database).items()}
    assert delete_after(sqlite_database, AS_OF) == 4  # a meeting, a call, two history rows
    after = {k: v.to_dict() for k, v in _signals(sqlite_database).items()}
    assert after == before


def _base(**changes: object) -> DealSignals:
    healthy = DealSignals(opportunity_id=1, as_of=AS_OF.isoformat(), stage="discovery", stage_rank=3,
                          days_in_stage=5.0, days_since_last_activity=1.0, contacts_engaged_30d=3,
                          champion_known=True, champion_days_silent=2.0, close_date_pushes=0,
                          days_to_expected_close=30.0, pricing_discussed=False, calls=1,
                          competitor_mentions_per_call_30d=0.0, competitor_mentions_per_call_before=None,
                          next_step_on_last_call=True)
    return replace(healthy, **changes)


@pytest.mark.parametrize(("changes", "code", "severity"), [
    ({}, None, None),
    ({"stage": "proposal"}, "late_stage_no_pricing", "high"),
    ({"stage": "proposal", "pricing_discussed": True}, None, None),
    ({"days_since_last_activity": 13.9}, None, None),
    ({"days_since_last_activity": 14.0}, "no_recent_activity", "medium"),
    ({"days_since_last_activity": 28.0}, "no_recent_activity", "high"),
    ({"contacts_engaged_30d": 1}, "single_threaded", "medium"),
    ({"champion_days_silent": 21.0}, "champion_silent", "medium"),
    ({"champion_known": False, "champion_days_silent": None}, None, None),
    ({"close_date_pushes": 1}, None, None),
    ({"close_date_pushes": 2}, "close_date_pushed", "medium"),
    ({"competitor_mentions_per_call_30d": 1.0, "competitor_mentions_per_call_before": 1.0}, None, None),
    ({"competitor_mentions_per_call_30d": 1.5, "competitor_mentions_per_call_before": 1.0}, "competitor_gaining",
     "medium"),
    ({"next_step_on_last_call": None}, None, None),
    ({"next_step_on_last_call": False}, "no_next_step", "medium"),
    ({"sentiment_recent_mean": -0.2}, "negative_sentiment_trend", "medium"),
])
def test_thresholds(changes: dict[str, object], code: str | None, severity: str | None) -> None:
    flags = red_flags(_base(**changes))
    assert [(f.code, f.severity) for f in flags] == ([] if code is None else [(code, severity)])


def test_config_thresholds_and_score_weights() -> None:
    quiet = _base(days_since_last_activity=10.0, close_date_pushes=2)
    assert [f.code for f in red_flags(quiet, HealthConfig(no_activity_days=7, pushes=3))] == ["no_recent_activity"]
    health = assess(quiet)  # one medium flag: 100 - 12
    assert (health.score, health.grade) == (88.0, "healthy")
    assert assess(quiet, HealthConfig(weights={"high": 25.0, "medium": 40.0, "low": 5.0})).grade == "at risk"


def test_sentiment_trend_slope_per_30_days() -> None:
    points = [SentimentPoint(f"2025-01-{d:02d}T00:00:00+00:00", "call", s) for d, s in ((1, 0.6), (11, 0.3), (21, 0.0))]
    slope, mean = sentiment_trend(points, 5)
    assert slope == pytest.approx(-0.9) and mean == pytest.approx(0.3)
    assert sentiment_trend(points[:2], 5) == (None, pytest.approx(0.45))
    assert sentiment_trend([], 5) == (None, None)
