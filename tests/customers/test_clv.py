"""Lifetime value from BG/NBD and Gamma-Gamma: discounting, the parameter band, and the CRM path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.customers.btyd import BetaGeoModel
from salesmind.customers.clv import clv_for_transactions, crm_clv, customer_lifetime_value
from salesmind.customers.gammagamma import GammaGammaModel
from salesmind.customers.transactions import orders_frame
from salesmind.data.models import Account, Order

WEEKS_PER_MONTH = 365.25 / 12 / 7


@lru_cache(maxsize=1)
def _cdnow(path: Path) -> tuple[pd.DataFrame, BetaGeoModel, GammaGammaModel]:
    data = pd.read_csv(path, index_col="ID").rename(columns={"x": "frequency", "t_x": "recency",
                                                            "zbar": "monetary_value"})
    bg = BetaGeoModel().fit(data["frequency"], data["recency"], data["T"])
    return data, bg, GammaGammaModel().fit(data["frequency"], data["monetary_value"])


@pytest.fixture
def cdnow(shared_data: Path) -> tuple[pd.DataFrame, BetaGeoModel, GammaGammaModel]:
    return _cdnow(shared_data / "cdnow" / "cdnow_customers_summary_with_transactions.csv")


def test_one_undiscounted_month_is_value_times_purchases(cdnow):
    summary, bg, gg = cdnow
    out = customer_lifetime_value(summary, bg, gg, horizon_periods=WEEKS_PER_MONTH, periods_per_month=WEEKS_PER_MONTH,
                                  monthly_discount=0.0, margin=0.3, draws=0)
    expected = bg.conditional_expected_purchases(WEEKS_PER_MONTH, summary["frequency"], summary["recency"], summary["T"])
    np.testing.assert_allclose(out["expected_purchases"], expected)
    np.testing.assert_allclose(out["clv"], 0.3 * out["expected_value"] * expected)
    assert out[["clv_low", "clv_high"]].isna().all().all()


def test_each_month_is_discounted(cdnow):
    summary, bg, gg = cdnow
    few = summary.loc[[1, 2, 3, 18]]
    out = customer_lifetime_value(few, bg, gg, horizon_periods=3 * WEEKS_PER_MONTH, periods_per_month=WEEKS_PER_MONTH,
                                  monthly_discount=0.1, draws=0)
    cumulative = [np.zeros(len(few))] + [bg.conditional_expected_purchases(
        i * WEEKS_PER_MONTH, few["frequency"], few["recency"], few["T"]) for i in (1, 2, 3)]
    by_hand = sum((cumulative[i] - cumulative[i - 1]) / 1.1 ** i for i in (1, 2, 3))
    np.testing.assert_allclose(out["clv"], out["expected_value"] * by_hand)
    np.testing.assert_allclose(out["expected_purchases"], cumulative[3])


def test_parameter_band_brackets_the_estimate_and_is_reproducible(cdnow):
    summary, bg, gg = cdnow
    kwargs = {"horizon_periods": 52.0, "periods_per_month": WEEKS_PER_MONTH, "draws": 100}
    out = customer_lifetime_value(summary, bg, gg, seed=4, **kwargs)
    assert (out["clv_low"] <= out["clv_high"]).all()
    inside = (out["clv_low"] <= out["clv"]) & (out["clv"] <= out["clv_high"])
    assert inside.mean() > 0.99
    width = (out["clv_high"] - out["clv_low"]) / out["clv"]
    assert 0.02 < width.median() < 1.0  # 2,357 customers pin the parameters down, but not exactly
    again = customer_lifetime_value(summary, bg, gg, seed=4, **kwargs)
    pd.testing.assert_frame_equal(out, again)


def _orders(session, account: Account, months: list[int], start: datetime, currency: str = "USD") -> None:
    """Orders in the given months, Gamma-Gamma spend: Gamma(4, nu) per order, nu ~ Gamma(3, 30) per account."""
    nu = np.random.default_rng(account.id).gamma(3.0, 1 / 30.0)
    for month in months:
        spend = np.random.default_rng(1000 * account.id + month).gamma(4.0, 1 / nu)
        session.add(Order(account_id=account.id, ordered_at=start + timedelta(days=30.44 * month),
                          total=Decimal(f"{spend:.2f}"), currency=currency))


NOW = datetime(2025, 1, 1, tzinfo=UTC)
START = datetime(2023, 1, 1, tzinfo=UTC)


def _crm(database: Database, steady: int = 12, lapsed: int = 12, once: int = 10) -> dict[str, list[int]]:
    """Steady monthly buyers, buyers who bought monthly for 6 months then stopped, one-off buyers."""
    with database.transaction() as s:
        accounts = [Account(name=f"acct {i}") for i in range(steady + lapsed + once)]
        s.add_all(accounts)
        s.flush()
        for i, account in enumerate(accounts):
            if i < steady:
                _orders(s, account, list(range(i % 3, 24)), START)
            elif i < steady + lapsed:
                _orders(s, account, list(range(i % 3, i % 3 + 6)), START)
            else:
                _orders(s, account, [i % 12], START)
        ids = [a.id for a in accounts]
    return {"steady": ids[:steady], "lapsed": ids[steady:steady + lapsed], "once": ids[steady + lapsed:]}


def test_crm_clv_scores_every_ordering_account(sqlite_database: Database):
    ids = _crm(sqlite_database)
    with sqlite_database.sessions() as s:
        out = crm_clv(s, NOW, horizon_months=12, draws=50)
    assert len(out) == 34 and out.index.name == "account_id"
    assert list(out.columns) == ["frequency", "recency", "T", "monetary_value", "p_alive", "expected_purchases",
                                 "expected_value", "clv", "clv_low", "clv_high"]
    steady, lapsed, once = out.loc[ids["steady"]], out.loc[ids["lapsed"]], out.loc[ids["once"]]
    assert steady["frequency"].iloc[0] == 23 and steady["T"].iloc[0] == pytest.approx(24, abs=0.05)  # months
    assert steady["p_alive"].min() > 0.9 and lapsed["p_alive"].max() < 0.2
    assert (once["p_alive"] == 1.0).all()
    assert steady["expected_purchases"].min() > once["expected_purchases"].max()
    assert once["expected_purchases"].min() > lapsed["expected_purchases"].max() > 0
    assert steady["clv"].mean() > once["clv"].mean() > lapsed["clv"].mean() > 0
    assert ((out["clv_low"] <= out["clv"]) & (out["clv"] <= out["clv_high"])).all()
    assert out.attrs["currency"] == "USD" and out.attrs["repeat_buyers"] == 24
    assert set(out.attrs["bgnbd"]) == {"r", "alpha", "a", "b"} and set(out.attrs["gamma_gamma"]) == {"p", "q", "gamma"}
    assert out.attrs["band_from"] == ["bgnbd", "gamma_gamma"]


def test_crm_clv_ignores_orders_after_now(sqlite_database: Database):
    ids = _crm(sqlite_database)
    with sqlite_database.sessions() as s:
        before = crm_clv(s, NOW, draws=0)
    with sqlite_database.transaction() as s:
        _orders(s, s.get(Account, ids["lapsed"][0]), [25, 26, 27], START)
    with sqlite_database.sessions() as s:
        pd.testing.assert_frame_equal(crm_clv(s, NOW, draws=0), before)


def test_crm_clv_needs_enough_repeat_buyers_and_one_currency(sqlite_database: Database):
    _crm(sqlite_database, steady=3, lapsed=2, once=20)
    too_few = "25 customer.* 5 with a repeat purchase .*need at least 20 and 10"
    with sqlite_database.sessions() as s, pytest.raises(UserInputError, match=too_few):
        crm_clv(s, NOW)
    with sqlite_database.transaction() as s:
        _orders(s, s.get(Account, 1), [3], START, currency="EUR")
    with sqlite_database.sessions() as s, pytest.raises(UserInputError, match="several currencies"):
        crm_clv(s, NOW)


def test_clv_for_a_transactions_table_without_values_gives_purchases_only(sqlite_database: Database):
    _crm(sqlite_database)
    with sqlite_database.sessions() as s:
        orders = orders_frame(s, NOW)
    table, parameters = clv_for_transactions(orders, "account_id", "ordered_at", horizon_months=6)
    assert list(table.columns) == ["frequency", "recency", "T", "p_alive", "expected_purchases"]
    assert parameters["calibration_end"] == "2024-12-01" and "gamma_gamma" not in parameters  # last order day
    with pytest.raises(UserInputError, match=r"no column\(s\) \['when'\]"):
        clv_for_transactions(orders, "account_id", "when")
