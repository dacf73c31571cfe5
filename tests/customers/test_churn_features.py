"""Churn features: known answers on a hand-made subscription, and nothing from after the cut-off."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import delete, select, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scoring"))
from crm_demo import build_small_demo  # noqa: E402

from salesmind.core.db import Database  # noqa: E402
from salesmind.customers.churn_features import (  # noqa: E402
    FEATURES,
    churn_current_frame,
    churn_training_frame,
    subscription_features,
)
from salesmind.data.models import (  # noqa: E402
    Account,
    Activity,
    ActivityType,
    NpsResponse,
    Subscription,
    SubscriptionUsage,
    SupportTicket,
)

START = datetime(2025, 1, 1, tzinfo=timezone.utc)
AS_OF = datetime(2025, 9, 1, tzinfo=timezone.utc)
#: Utilisation per 30-day period from START (period 0 starts on 2025-01-01).
UTILISATION = [0.9, 0.9, 0.85, 0.8, 0.8, 0.7, 0.55, 0.45, 0.4]


@pytest.fixture
def one_subscription(sqlite_settings) -> Database:
    """A 20-seat subscription whose usage falls, with tickets, two NPS answers and a champion who left."""
    database = Database(sqlite_settings)
    database.migrate()
    with database.transaction() as s:
        account = Account(name="Falling Inc", is_customer=True)
        s.add(account)
        s.flush()
        # The stored MRR and seats are today's (25 seats after a late upgrade): not known at AS_OF.
        sub = Subscription(account_id=account.id, mrr=Decimal("2500.00"), seats=25, started_at=START,
                           status="churned", ended_at=datetime(2025, 10, 15, tzinfo=timezone.utc))
        s.add(sub)
        s.flush()
        for k, util in enumerate(UTILISATION):
            seats = 25 if k == 8 else 20
            s.add(SubscriptionUsage(subscription_id=sub.id, period_start=date(2025, 1, 1) + timedelta(days=30 * k),
                                    seats=seats, active_users=round(util * seats), usage_units=100.0 * (9 - k)))
        for day, priority in ((1, "high"), (20, "normal"), (45, "high"), (100, "low"), (-3, "high")):
            s.add(SupportTicket(account_id=account.id, opened_at=AS_OF - timedelta(days=day), priority=priority,
                                status="open" if day == 1 else "closed",
                                closed_at=None if day == 1 else AS_OF - timedelta(days=day) + timedelta(days=2)))
        for day, score in ((200, 9), (40, 5), (-10, 0)):
            s.add(NpsResponse(account_id=account.id, responded_at=AS_OF - timedelta(days=day), score=score))
        s.add(Activity(type=ActivityType.EMAIL_BOUNCED, occurred_at=AS_OF - timedelta(days=61), account_id=account.id,
                       details={"event": "champion_left"}))
        s.add(Activity(type=ActivityType.EMAIL_BOUNCED, occurred_at=AS_OF - timedelta(days=5), account_id=account.id,
                       details={"reason": "mailbox full"}))
        for day, kind in ((10, ActivityType.EMAIL_SENT), (12, ActivityType.EMAIL_SENT), (11, ActivityType.EMAIL_REPLIED),
                          (95, ActivityType.EMAIL_SENT)):
            s.add(Activity(type=kind, occurred_at=AS_OF - timedelta(days=day), account_id=account.id))
    return database


def test_features_of_a_hand_made_subscription(one_subscription):
    with one_subscription.sessions() as s:
        sub = s.scalars(select(Subscription)).one()
        cut = pd.DataFrame({"subscription_id": [sub.id], "account_id": [sub.account_id], "as_of": [AS_OF]})
        row = subscription_features(s, cut).iloc[0]
    # AS_OF is day 243: periods 0-6 (starting up to day 180) have ended by day 211 (+1 day to arrive);
    # period 7 (days 210-240) ends on day 240 and arrives on day 241 (known); period 8 is running.
    assert row["utilisation"] == pytest.approx(round(0.45 * 20) / 20)
    # 90 days earlier (day 153) the newest period known was period 4 (days 120-150, known from day 151).
    assert row["utilisation_90d_ago"] == pytest.approx(0.8)
    assert row["utilisation_change_90d"] == pytest.approx(row["utilisation"] - 0.8)
    assert row["seats"] == 20 and row["seat_change_90d"] == 0.0
    assert row["mrr"] == pytest.approx(2000.0)  # today's price per seat (100) x the 20 seats known then
    assert row["utilisation_trend"] < -0.05
    assert row["usage_units_trend"] == pytest.approx((200 + 300 + 400) / (500 + 600 + 700) - 1.0)
    assert row["tenure_days"] == pytest.approx((AS_OF - START).days)
    assert (row["tickets_30d"], row["tickets_90d"], row["high_priority_tickets_90d"]) == (2, 3, 2)
    assert row["open_tickets"] == 1  # the one opened yesterday; the one opened after AS_OF is not counted
    assert (row["latest_nps"], row["nps_change"], row["days_since_nps"]) == (5, -4, pytest.approx(40))
    assert bool(row["champion_left"]) and row["days_since_champion_left"] == pytest.approx(61)
    assert row["days_since_account_activity"] == pytest.approx(5)
    assert row["emails_unanswered_90d"] == 1
    assert list(row.index[3:]) == list(FEATURES)


def test_training_frame_labels_churn_within_the_horizon(one_subscription):
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with one_subscription.sessions() as s:
        frame = churn_training_frame(s, now, horizon_days=90, step_days=60)
    ended = datetime(2025, 10, 15, tzinfo=timezone.utc)
    assert (frame["as_of"] < ended).all() and (frame["as_of"] <= now - timedelta(days=90)).all()
    expected = (ended - frame["as_of"]).dt.days <= 90
    assert frame["churned"].tolist() == expected.astype(int).tolist() and frame["churned"].sum() == 2
    assert frame.attrs["horizon_days"] == 90


def test_current_frame_has_only_active_subscriptions(one_subscription):
    with one_subscription.sessions() as s:
        assert len(churn_current_frame(s, AS_OF)) == 1
        assert churn_current_frame(s, datetime(2025, 11, 1, tzinfo=timezone.utc)).empty


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Database]:
    database = build_small_demo(tmp_path_factory.mktemp("churn_demo"))
    yield database
    database.dispose()


def _erase_after(database: Database, cut: datetime) -> None:
    """Delete every row of the customer tables dated after ``cut``; the subscriptions forget their end."""
    with database.transaction() as s:
        s.execute(delete(SubscriptionUsage).where(SubscriptionUsage.period_start >= (cut - timedelta(days=31)).date()))
        s.execute(delete(SupportTicket).where(SupportTicket.opened_at >= cut))
        s.execute(update(SupportTicket).where(SupportTicket.closed_at >= cut).values(closed_at=None))
        s.execute(delete(NpsResponse).where(NpsResponse.responded_at >= cut))
        s.execute(delete(Activity).where(Activity.occurred_at >= cut))
        s.execute(update(Subscription).where(Subscription.ended_at >= cut)
                  .values(ended_at=None, status="active", churn_reason=None))


def test_no_label_leaks_features_ignore_everything_after_the_cut_off(demo):
    now = datetime(2025, 6, 1, tzinfo=timezone.utc)
    with demo.sessions() as s:
        frame = churn_training_frame(s, now)
    cut = frame["as_of"].max() - pd.Timedelta(days=90)   # an older cut-off: its label is in the future below
    rows = frame[frame["as_of"] == cut].reset_index(drop=True)
    assert len(rows) >= 20 and rows["churned"].sum() >= 1
    _erase_after(demo, cut.to_pydatetime())
    with demo.sessions() as s:
        again = subscription_features(s, rows[["subscription_id", "account_id", "as_of"]])
        # After erasing the future, no subscription is seen to end: the labels are gone, the features stay.
        assert churn_training_frame(s, now).query("as_of == @cut")["churned"].sum() == 0
    pd.testing.assert_frame_equal(again[list(FEATURES)], rows[list(FEATURES)], check_dtype=False)
    assert np.isfinite(rows["utilisation"]).mean() > 0.9
