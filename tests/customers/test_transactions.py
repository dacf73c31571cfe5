"""The per-customer summary (frequency, recency, T, spend, holdout) and the CRM's orders."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.customers.transactions import orders_frame, rfm_summary
from salesmind.data.models import Account, Order


def read_cdnow_sample(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=r"\s+", header=None, names=["master_id", "id", "date", "cds", "dollars"])


def test_cdnow_sample_gives_the_published_summary(shared_data: Path):
    folder = shared_data / "cdnow"
    summary = rfm_summary(read_cdnow_sample(folder / "CDNOW_sample.txt"), "id", "date", "dollars",
                          calibration_end="1997-09-30")
    published = pd.read_csv(folder / "cdnow_customers_summary.csv", index_col="ID")
    spend = pd.read_csv(folder / "cdnow_customers_summary_with_transactions.csv", index_col="ID")
    assert summary.index.equals(published.index)
    assert (summary["frequency"] == published["frequency"]).all()
    # the published files round weeks and dollars to 2 decimals
    assert np.abs(summary["recency"] - published["recency"]).max() <= 0.005
    assert np.abs(summary["T"] - published["T"]).max() <= 0.005
    assert np.abs(summary["monetary_value"] - spend["zbar"]).max() <= 0.005 + 1e-9


def hand_made() -> pd.DataFrame:
    return pd.DataFrame({
        "who": ["a", "a", "a", "a", "a", "b", "c", "c", "d"],
        "when": ["2024-01-01", "2024-01-01 18:00", "2024-01-15", "2024-01-29", "2024-03-01",
                 "2024-01-08", "2024-01-29", "2024-02-20", "2024-02-10"],
        "value": [10.0, 5.0, 20.0, 40.0, 7.0, 3.0, 8.0, 9.0, 1.0],
    })


def test_same_day_purchases_merge_and_the_first_purchase_is_not_a_repeat():
    s = rfm_summary(hand_made(), "who", "when", "value", calibration_end="2024-02-05",
                    observation_end="2024-03-04")
    assert list(s.index) == ["a", "b", "c"]  # d first bought after calibration: not in the cohort
    a = s.loc["a"]
    assert (a["frequency"], a["recency"], a["T"]) == (2, 4.0, 5.0)  # weeks
    assert a["monetary_value"] == 30.0  # mean of 20 and 40; the merged first day (15) is left out
    assert (a["frequency_holdout"], a["value_holdout"], a["duration_holdout"]) == (1, 7.0, 4.0)
    assert (s.loc["b", "frequency"], s.loc["b", "recency"], s.loc["b", "monetary_value"]) == (0, 0.0, 0.0)
    assert s.loc["c", "T"] == 1.0 and s.loc["c", "frequency_holdout"] == 1


def test_periods_in_days_and_no_value_column():
    s = rfm_summary(hand_made(), "who", "when", calibration_end="2024-02-05", period_days=1.0)
    assert list(s.columns) == ["frequency", "recency", "T"]
    assert s.loc["a", "recency"] == 28.0 and s.loc["a", "T"] == 35.0


def test_integer_dates_and_aware_times_are_read():
    data = pd.DataFrame({"id": [1, 1], "day": [19970101, 19970108]})
    assert rfm_summary(data, "id", "day", calibration_end="1997-01-15").loc[1, "recency"] == 1.0
    aware = pd.DataFrame({"id": [1, 1], "at": pd.to_datetime(["2024-01-01 23:30", "2024-01-08 01:00"], utc=True)})
    assert rfm_summary(aware, "id", "at", calibration_end=datetime(2024, 1, 15, tzinfo=UTC)).loc[1, "T"] == 2.0


def test_user_mistakes_are_named():
    data = hand_made()
    with pytest.raises(UserInputError, match=r"no column\(s\) \['amount'\]"):
        rfm_summary(data, "who", "when", "amount", calibration_end="2024-02-05")
    broken = data.copy()
    broken.loc[3, "when"] = "last tuesday"
    with pytest.raises(UserInputError, match="row 3: column 'when' value 'last tuesday' is not a date"):
        rfm_summary(broken, "who", "when", calibration_end="2024-02-05")
    negative = data.copy()
    negative.loc[4, "value"] = -7.0
    with pytest.raises(UserInputError, match="row 4: column 'value' value -7.0 is negative"):
        rfm_summary(negative, "who", "when", "value", calibration_end="2024-02-05")
    with pytest.raises(UserInputError, match="observation_end"):
        rfm_summary(data, "who", "when", calibration_end="2024-02-05", observation_end="2024-01-01")


def test_orders_frame_reads_orders_as_of_now(sqlite_database: Database):
    with sqlite_database.transaction() as s:
        acme = Account(name="Acme")
        s.add(acme)
        s.flush()
        for day, total in (("2025-01-05", "100.00"), ("2025-02-05", "50.50"), ("2025-06-01", "70.00")):
            s.add(Order(account_id=acme.id, ordered_at=datetime.fromisoformat(day).replace(tzinfo=UTC),
                        total=Decimal(total), currency="USD"))
        s.add(Order(account_id=None, ordered_at=datetime(2025, 1, 1, tzinfo=UTC), total=Decimal(1)))
    with sqlite_database.sessions() as s:
        frame = orders_frame(s, datetime(2025, 3, 1, tzinfo=UTC))
    assert list(frame.columns) == ["account_id", "ordered_at", "total", "currency"]
    assert frame["total"].tolist() == [100.0, 50.5]
    assert str(frame["ordered_at"].dt.tz) == "UTC"
