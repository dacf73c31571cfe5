"""Lead features count what happened before the cut-off, and nothing after it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from salesmind.core.db import Database
from salesmind.data.models import Activity, ActivityType, Lead, Seniority
from salesmind.features import lead_features, lead_training_frame

T0 = datetime(2025, 3, 1, tzinfo=timezone.utc)


def _add(session, lead_id: int, kind: ActivityType, at: datetime, url: str | None = None) -> None:  # type: ignore[no-untyped-def]
    session.add(Activity(type=kind, occurred_at=at, lead_id=lead_id, url=url))


@pytest.fixture
def leads(database: Database) -> dict[str, int]:
    with database.transaction() as s:
        hot = Lead(email="hot@a.io", created_at=T0, source="referral", seniority=Seniority.VP, employees=300,
                   first_response_at=T0 + timedelta(minutes=4))
        cold = Lead(email="cold@b.io", created_at=T0, source="purchased_list")
        late = Lead(email="late@c.io", created_at=T0 + timedelta(days=60))
        s.add_all([hot, cold, late])
        s.flush()
        as_of = T0 + timedelta(days=30)
        for d in (1, 2, 3):  # three pricing visits in the last week
            _add(s, hot.id, ActivityType.WEB_VISIT, as_of - timedelta(days=d), "https://x.io/pricing")
        _add(s, hot.id, ActivityType.WEB_VISIT, as_of - timedelta(days=20), "https://x.io/blog/a")
        _add(s, hot.id, ActivityType.EMAIL_SENT, as_of - timedelta(days=10))
        _add(s, hot.id, ActivityType.EMAIL_OPENED, as_of - timedelta(days=9))
        for d in (5, 12, 25):
            _add(s, cold.id, ActivityType.EMAIL_SENT, as_of - timedelta(days=d))
        _add(s, cold.id, ActivityType.EMAIL_BOUNCED, as_of - timedelta(days=4))
        # The future: must never be seen from as_of.
        for d in range(1, 6):
            _add(s, cold.id, ActivityType.WEB_VISIT, as_of + timedelta(days=d), "https://x.io/pricing")
        _add(s, hot.id, ActivityType.EMAIL_REPLIED, as_of + timedelta(hours=1))
        return {"hot": hot.id, "cold": cold.id, "late": late.id}


def test_counts_windows_and_pages(database: Database, leads: dict[str, int]) -> None:
    with database.transaction() as s:
        f = lead_features(s, T0 + timedelta(days=30))
    hot, cold = f.loc[leads["hot"]], f.loc[leads["cold"]]
    assert hot["pricing_page_visits_7d"] == 3 and hot["web_visit_7d"] == 3 and hot["web_visit_30d"] == 4
    assert hot["distinct_pages_30d"] == 2
    assert hot["email_open_rate"] == 1.0 and pd.isna(f.loc[leads["cold"], "email_open_rate"]) is False
    assert cold["email_open_rate"] == 0.0 and cold["sent_unopened_30d"] == 3 and cold["bounced"] == 1
    assert hot["first_response_minutes"] == pytest.approx(4.0)
    assert bool(cold["no_response_yet"])
    assert hot["days_since_last_activity"] == pytest.approx(1.0)
    assert hot["engagement_velocity"] > cold["engagement_velocity"]


def test_leads_created_after_the_cutoff_are_left_out(database: Database, leads: dict[str, int]) -> None:
    with database.transaction() as s:
        f = lead_features(s, T0 + timedelta(days=30))
    assert leads["late"] not in f.index


def test_no_future_event_leaks_into_features(database: Database, leads: dict[str, int]) -> None:
    as_of = T0 + timedelta(days=30)
    with database.transaction() as s:
        before = lead_features(s, as_of)
        # Pile on events after the cut-off: features as of the cut-off must not move.
        for d in range(1, 30):
            _add(s, leads["hot"], ActivityType.WEB_VISIT, as_of + timedelta(hours=d), "https://x.io/demo")
        s.flush()
        after = lead_features(s, as_of)
    pd.testing.assert_frame_equal(before, after)
    assert before.loc[leads["cold"], "pricing_page_visits_30d"] == 0


def test_per_lead_cutoffs(database: Database, leads: dict[str, int]) -> None:
    cutoffs = pd.Series({leads["hot"]: T0 + timedelta(days=28), leads["cold"]: T0 + timedelta(days=40)})
    with database.transaction() as s:
        f = lead_features(s, cutoffs)
    assert f.loc[leads["hot"], "pricing_page_visits_7d"] == 1  # only the visit 2 days before day 30
    assert f.loc[leads["cold"], "pricing_page_visits_30d"] == 5  # the 'future' visits are past now


def test_training_labels_come_after_features(database: Database, leads: dict[str, int]) -> None:
    with database.transaction() as s:
        s.get(Lead, leads["hot"]).converted_at = T0 + timedelta(days=31)
        s.flush()
        frame = lead_training_frame(s, ages=(30,), horizon=timedelta(days=30),
                                    now=T0 + timedelta(days=100)).set_index("lead_id")
    assert frame.loc[leads["hot"], "converted"] == 1
    assert frame.loc[leads["cold"], "converted"] == 0
    assert (frame["as_of"] <= pd.Timestamp(T0 + timedelta(days=100) - timedelta(days=30))).all()
    # Created day 60, observed day 90, its horizon ends day 120, after "now": its label is not final.
    assert leads["late"] not in frame.index


def test_multi_age_snapshots_label_the_horizon_after_each_and_see_nothing_later(
        database: Database, leads: dict[str, int]) -> None:
    now = T0 + timedelta(days=200)
    with database.transaction() as s:
        s.get(Lead, leads["hot"]).converted_at = T0 + timedelta(days=20)
        s.flush()
        frame = lead_training_frame(s, ages=(1, 7, 30, 90), horizon=timedelta(days=30), now=now)
        by_age = frame.assign(age=(frame["lead_age_days"]).round().astype(int)).set_index(["lead_id", "age"])
        # hot converted on day 20, within 30 days after its day-1 and day-7 snapshots: positives.
        assert by_age.loc[(leads["hot"], 1), "converted"] == 1
        assert by_age.loc[(leads["hot"], 7), "converted"] == 1
        # Converted by day 30: no later snapshot of it (it is no longer an open lead).
        assert (leads["hot"], 30) not in by_age.index and (leads["hot"], 90) not in by_age.index
        assert (by_age.xs(leads["cold"], level="lead_id")["converted"] == 0).all()
        # late (created day 60): its day-90 snapshot's horizon ends on day 180 <= 200: all four kept.
        assert len(by_age.xs(leads["late"], level="lead_id")) == 4
        assert (frame["as_of"] + timedelta(days=30) <= pd.Timestamp(now)).all()
        # Every snapshot's features are exactly the features as of its own cut-off.
        for _, row in frame.iterrows():
            alone = lead_features(s, pd.Series({row["lead_id"]: row["as_of"]}))
            expected = alone.iloc[0]
            for column in ("web_visit_30d", "pricing_page_visits_7d", "emails_sent", "lead_age_days"):
                assert row[column] == expected[column], (row["lead_id"], row["as_of"], column)
