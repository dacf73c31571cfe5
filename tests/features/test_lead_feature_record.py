"""lead_feature_record: one lead's features without pandas equal its row of the batch lead_features."""

from __future__ import annotations

import math
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pandas as pd
import pytest
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scoring"))
from crm_demo import AS_OF, build_small_demo  # noqa: E402

from salesmind.core.db import Database  # noqa: E402
from salesmind.data.models import Activity, ActivityType, Lead, Seniority  # noqa: E402
from salesmind.features import lead_features  # noqa: E402
from salesmind.features.leads import lead_feature_record  # noqa: E402

T0 = datetime(2025, 3, 1, 12, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = build_small_demo(tmp_path_factory.mktemp("lead-record"))
    yield database
    database.dispose()


def _assert_equals_row(record: dict[str, object] | None, row: pd.Series) -> None:
    """Same keys in the same order; text and counts exactly, floats to the last bits."""
    assert record is not None
    assert list(record) == list(row.index)
    for name, value in record.items():
        expected = row[name]
        if isinstance(value, float):
            same = math.isnan(value) if pd.isna(expected) else math.isclose(value, expected, rel_tol=1e-12)
            assert same, (name, value, expected)
        elif value is None:
            assert pd.isna(expected), (name, expected)
        else:
            assert value == expected, (name, value, expected)


def _assert_every_record_equals_the_batch(session, ids: list[int], as_of: datetime) -> pd.DataFrame:
    batch = lead_features(session, as_of, ids)
    for lead_id in ids:
        record = lead_feature_record(session, lead_id, as_of)
        if lead_id in batch.index:
            _assert_equals_row(record, batch.loc[lead_id])
        else:
            assert record is None, lead_id
    return batch


@pytest.mark.parametrize("days_before", [0, 45])
def test_every_demo_lead_equals_its_batch_row(demo: Database, days_before: int) -> None:
    as_of = AS_OF - timedelta(days=days_before, seconds=17)
    with demo.sessions() as s:
        ids = [int(i) for i in s.scalars(select(Lead.id).order_by(Lead.id))]
        batch = _assert_every_record_equals_the_batch(s, ids, as_of)
    # The demo covers the cases that matter: leads created later, with and without events,
    # titles and first responses (a response after the cut-off is in the hand-made cases).
    assert 0 < len(batch) <= len(ids)
    assert (batch["events_90d"] > 0).any() and (batch["events_90d"] == 0).any()
    assert batch["has_title"].any() and batch["no_response_yet"].any() and not batch["no_response_yet"].all()
    assert batch["distinct_pages_30d"].max() > 1 and batch["email_open_rate"].notna().any()
    assert (len(batch) < len(ids)) == bool(days_before)


def test_hand_made_edge_cases_equal_their_batch_rows(database: Database) -> None:
    made: list[int] = []
    with database.transaction() as s:
        def lead(**fields: object) -> int:
            row = Lead(email=f"lead{len(made)}@a.io", **fields)
            s.add(row)
            s.flush()
            made.append(row.id)
            return row.id

        bare = lead(created_at=T0 - timedelta(days=3))
        empty_title = lead(created_at=T0 - timedelta(days=400), title="", source="web", employees=40,
                           seniority=Seniority.VP, first_response_at=T0 - timedelta(days=399, minutes=3))
        answered_later = lead(created_at=T0 - timedelta(hours=5), title="CTO", industry="SaaS",
                              first_response_at=T0 + timedelta(minutes=1), country="DE", region="EMEA")
        answered_at_cutoff = lead(created_at=T0 - timedelta(days=1), first_response_at=T0)
        born_at_cutoff = lead(created_at=T0, title="Head of Ops")
        born_later = lead(created_at=T0 + timedelta(microseconds=1))
        busy = lead(created_at=T0 - timedelta(days=120), title="VP Sales", employees=12000)
        events = [(ActivityType.WEB_VISIT, T0, "https://x.io/pricing"),  # exactly at the cut-off: unseen
                  (ActivityType.WEB_VISIT, T0 - timedelta(microseconds=1), "https://x.io/Pricing"),
                  (ActivityType.WEB_VISIT, T0 - timedelta(days=6), "https://x.io/demo/book"),
                  (ActivityType.WEB_VISIT, T0 - timedelta(days=20), None),
                  (ActivityType.EMAIL_SENT, T0 - timedelta(days=10), None),
                  (ActivityType.EMAIL_SENT, T0 - timedelta(days=100), None),
                  (ActivityType.EMAIL_OPENED, T0 - timedelta(days=9, hours=3), None),
                  (ActivityType.EMAIL_UNSUBSCRIBED, T0 - timedelta(days=2), None),
                  (ActivityType.WEB_VISIT, T0 + timedelta(days=1), "https://x.io/demo")]  # the future
        s.add_all(Activity(type=kind, lead_id=busy, occurred_at=at, url=url) for kind, at, url in events)
        s.add(Activity(type=ActivityType.CALL, lead_id=born_at_cutoff, occurred_at=T0))
        ids = [bare, empty_title, answered_later, answered_at_cutoff, born_at_cutoff, born_later, busy]
    with database.sessions() as s:
        for as_of in (T0, T0.astimezone(timezone(timedelta(hours=2))), T0 + timedelta(days=2)):
            batch = _assert_every_record_equals_the_batch(s, ids, as_of)
        record = lead_feature_record(s, busy, T0)
        assert lead_feature_record(s, max(ids) + 1000, T0) is None
        assert lead_feature_record(s, born_later, T0) is None
    assert born_later in batch.index  # two days later it exists
    assert record is not None and record["pricing_page_visits_7d"] == 1 and record["unsubscribed"] is True
    assert record["distinct_pages_30d"] == 2 and record["emails_sent"] == 2 and record["events_90d"] == 6


def test_values_are_plain_python_types(demo: Database) -> None:
    with demo.sessions() as s:
        ids = [int(i) for i in s.scalars(select(Lead.id).order_by(Lead.id).limit(300))]
        batch = lead_features(s, AS_OF, ids)
        records = [lead_feature_record(s, lead_id, AS_OF) for lead_id in batch.index]
    kinds = {"b": (bool,), "i": (int,), "f": (float,)}
    for record in records:
        assert record is not None
        for name, value in record.items():
            dtype = batch[name].dtype
            expected = (float,) if name == "employees" else kinds.get(dtype.kind, (str, type(None)))
            assert type(value) in expected, (name, type(value), dtype)
    texts = {type(r["source"]) for r in records} | {type(r["seniority"]) for r in records}
    assert str in texts and all(type(r["no_response_yet"]) is bool for r in records)
