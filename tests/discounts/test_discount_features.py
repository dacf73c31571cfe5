"""The discount rows: list amount before the discount, point-in-time owner win rates, discount time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesmind.discounts.features import (
    PRIOR_DEALS,
    discount_rows,
    list_amount,
    owner_win_rates,
    training_rows,
)


def _deals() -> pd.DataFrame:
    t = lambda s: pd.Timestamp(s, tz="UTC")
    return pd.DataFrame({
        "deal_id": [1, 2, 3, 4], "owner_id": pd.array([7, 7, 8, 7], dtype="Int64"),
        "outcome": ["won", "lost", "won", "open"], "amount": [900.0, 1000.0, 500.0, 800.0],
        "discount_pct": [10.0, np.nan, 0.0, 20.0], "stakeholders": [1, 2, 1, 3],
        "created_at": [t("2025-01-01"), t("2025-01-02"), t("2025-01-03"), t("2025-03-01")],
        "closed_at": [t("2025-02-01"), t("2025-02-10"), t("2025-02-05"), pd.NaT],
        "segment": ["smb", "smb", None, "enterprise"], "industry": ["Software"] * 4, "region": ["EMEA"] * 4,
        "source": ["web"] * 4, "competitor": [None, "", "Veloxa", None]})


def test_list_amount_undoes_the_discount() -> None:
    assert list_amount(pd.Series([900.0, 1000.0]), pd.Series([10.0, np.nan])).tolist() == pytest.approx([1000, 1000])


def test_owner_win_rate_reads_only_earlier_closes() -> None:
    deals = _deals()
    at = pd.Series(pd.to_datetime(["2025-01-15", "2025-02-06", "2025-02-20", "2025-03-01"], utc=True))
    rates = owner_win_rates(deals, at)
    assert rates[0] == pytest.approx(0.5)  # nothing closed yet: the uninformed prior
    company = (2 + 1) / (2 + 2)  # before Feb 6 deals 1 and 3 closed, both won: Laplace-smoothed
    assert rates[1] == pytest.approx((1 + PRIOR_DEALS * company) / (1 + PRIOR_DEALS))  # owner 7: one win of one
    company_late = (2 + 1) / (3 + 2)
    assert rates[3] == pytest.approx((1 + PRIOR_DEALS * company_late) / (2 + PRIOR_DEALS))  # owner 7: 1 of 2


def test_rows_and_training_rows() -> None:
    events = pd.DataFrame({"deal_id": [1, 1], "stage": ["prospecting", "Proposal"],
                           "entered_at": pd.to_datetime(["2025-01-01", "2025-01-20"], utc=True)})
    rows = discount_rows(_deals(), events)
    assert rows.loc[0, "discount_at"] == pd.Timestamp("2025-01-20", tz="UTC")  # entered proposal
    assert rows.loc[1, "discount_at"] == pd.Timestamp("2025-01-02", tz="UTC")  # never did: created
    assert rows["discount_pct"].tolist() == [10.0, 0.0, 0.0, 20.0]
    assert rows["competitor"].tolist() == ["none", "none", "Veloxa", "none"] and rows.loc[2, "segment"] == "none"
    assert rows["owner"].tolist() == ["7", "7", "8", "7"]
    train = training_rows(_deals(), events)
    assert train["deal_id"].tolist() == [1, 3]  # closed with a discount, oldest close first
