"""Features of one record, as a request computes them, equal the same record's row in a batch."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from salesmind.core.db import Database
from salesmind.data.models import Activity, ActivityType, Lead, Opportunity, Outcome
from salesmind.features import deals, lead_features
from salesmind.features.leads import LEAD_WINDOWS, _TYPES, _behaviour

T0 = datetime(2025, 3, 1, tzinfo=timezone.utc)
KINDS = [*_TYPES, "email_sent", "email_bounced", "email_unsubscribed"]
URLS = ["https://x.io/pricing", "https://x.io/Demo/book", "https://x.io/blog/a", "https://x.io/blog/b", None]


def _events(n: int, leads: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"entity_id": rng.integers(0, leads, n) + 100,
                         "type": rng.choice(KINDS, n),
                         "url": pd.Series([URLS[i] for i in rng.integers(0, len(URLS), n)], dtype=object),
                         "age_days": rng.exponential(40.0, n)})


def _pandas_reference(events: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """The same features from pandas groupbys (how they were first written)."""
    def per_lead(frame: pd.DataFrame) -> pd.Series:
        return frame.groupby("entity_id").size().reindex(index).fillna(0).astype(int)

    out = pd.DataFrame(index=index)
    for days in LEAD_WINDOWS:
        recent = events[events["age_days"] <= days]
        for kind in _TYPES:
            out[f"{kind}_{days}d"] = per_lead(recent[recent["type"] == kind])
        out[f"events_{days}d"] = per_lead(recent)
    visits = events[events["type"] == "web_visit"]
    url = visits["url"].fillna("").str.lower()
    for page in ("pricing", "demo"):
        hits = visits[url.str.contains(f"/{page}", regex=False)]
        for days in (7, 30):
            out[f"{page}_page_visits_{days}d"] = per_lead(hits[hits["age_days"] <= days])
    month = visits[visits["age_days"] <= 30]
    out["distinct_pages_30d"] = month.groupby("entity_id")["url"].nunique().reindex(index).fillna(0).astype(int)
    recent_rate = per_lead(events[events["age_days"] <= 14]) / 14
    earlier_rate = per_lead(events[(events["age_days"] > 14) & (events["age_days"] <= 90)]) / 76
    out["engagement_velocity"] = (recent_rate + 0.05) / (earlier_rate + 0.05)
    out["days_since_last_activity"] = events.groupby("entity_id")["age_days"].min().reindex(index)
    out["engagement_decay"] = np.exp(-events["age_days"] / 14.0).groupby(events["entity_id"]).sum() \
        .reindex(index).fillna(0)
    sent = per_lead(events[events["type"] == "email_sent"])
    out["emails_sent"] = sent
    for name, kind in (("open", "email_opened"), ("click", "email_clicked"), ("reply", "email_replied")):
        out[f"email_{name}_rate"] = (per_lead(events[events["type"] == kind]) / sent).where(sent > 0)
    last30 = events[events["age_days"] <= 30]
    out["sent_unopened_30d"] = (per_lead(last30[last30["type"] == "email_sent"])
                                - per_lead(last30[last30["type"] == "email_opened"])).clip(lower=0)
    out["bounced"] = per_lead(events[events["type"] == "email_bounced"])
    out["unsubscribed"] = per_lead(events[events["type"] == "email_unsubscribed"]) > 0
    return out


@pytest.mark.parametrize("n", [0, 1, 3000])
def test_behaviour_counts_equal_pandas_groupbys(n: int) -> None:
    index = pd.Index(range(100, 160), name="lead_id")  # some leads without any event
    events = _events(n, 50, seed=n)
    got = pd.DataFrame(_behaviour(events, index), index=index)
    pd.testing.assert_frame_equal(got, _pandas_reference(events, index), check_exact=False, rtol=1e-12,
                                  check_dtype=False)
    assert (got.dtypes == _pandas_reference(events, index).dtypes).all()


def test_one_lead_alone_equals_its_row_in_the_batch(database: Database) -> None:
    rng = np.random.default_rng(5)
    with database.transaction() as s:
        leads = [Lead(email=f"l{i}@a.io", created_at=T0 - timedelta(days=int(rng.integers(1, 200))),
                      source=["web", "referral", None][i % 3], employees=int(rng.integers(1, 900)))
                 for i in range(12)]
        s.add_all(leads)
        s.flush()
        for lead in leads:
            for _ in range(int(rng.integers(0, 40))):
                s.add(Activity(type=ActivityType(str(rng.choice(KINDS))), lead_id=lead.id,
                               occurred_at=T0 - timedelta(hours=float(rng.uniform(-200, 4000))),
                               url=URLS[int(rng.integers(0, len(URLS)))]))
        ids = [lead.id for lead in leads]
    with database.sessions() as s:
        batch = lead_features(s, T0, ids)
        for lead_id in ids:
            alone = lead_features(s, T0, [lead_id])
            pd.testing.assert_frame_equal(alone, batch.loc[[lead_id]])
    assert batch["events_90d"].sum() > 0


def test_typical_won_amount_from_the_database_equals_the_table_read(database: Database) -> None:
    rng = np.random.default_rng(2)
    with database.transaction() as s:
        for i in range(41):
            closed = T0 - timedelta(days=int(rng.integers(0, 400)), seconds=int(rng.integers(0, 86400)))
            s.add(Opportunity(name=f"d{i}", stage="closed_won", outcome=Outcome.WON, created_at=closed - timedelta(days=30),
                              closed_at=closed, amount=Decimal(int(rng.integers(1, 50))) * 1000))
        s.add(Opportunity(name="lost", stage="closed_lost", outcome=Outcome.LOST, amount=Decimal("1"),
                          created_at=T0 - timedelta(days=90), closed_at=T0 - timedelta(days=60)))
    moments = pd.Series(pd.date_range(T0 - timedelta(days=420), T0, periods=25, unit="us"),
                        index=range(25))
    with database.sessions() as s:
        many = deals._typical_won_amount(s, moments)  # more cut-offs than FEW_CUTOFFS: the table read
        one_by_one = pd.concat([deals._typical_won_amount(s, moments.iloc[[i]]) for i in range(25)])
    assert len(moments) > deals.FEW_CUTOFFS
    pd.testing.assert_series_equal(one_by_one, many)
    assert many.isna().sum() >= 1 and many.notna().sum() >= 20  # before the first win, and after
