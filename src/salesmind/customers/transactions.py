"""From a transaction log to the per-customer summary the buy-till-you-die models read.

Conventions of Fader, Hardie & Lee (2005): purchases on the same day are one purchase; the first
purchase starts the customer's clock and is not counted; ``frequency`` is the number of later
purchase days up to the end of calibration, ``recency`` the time from the first to the last of
them, ``T`` the time from the first purchase to the end of calibration, all in periods of
``period_days`` days (7 for weeks). Customers whose first purchase falls after calibration are
not part of the cohort and are left out.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.core.errors import UserInputError
from salesmind.core.timeutil import ensure_utc
from salesmind.data.models import Order

Moment = date | datetime | str | pd.Timestamp
ORDER_COLUMNS = ["account_id", "ordered_at", "total", "currency"]


def _day(value: Moment, name: str) -> pd.Timestamp:
    """``value`` as a UTC midnight (naive times are read as UTC)."""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise UserInputError(f"{name} {value!r} is not a date") from exc
    if pd.isna(stamp):
        raise UserInputError(f"{name} is missing")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.normalize()


def _parse_days(values: pd.Series, column: str) -> pd.Series:
    """Each transaction's UTC day; the first unparseable row is named in the error."""
    raw = values.astype(str) if pd.api.types.is_integer_dtype(values) else values  # e.g. 19970101
    parsed = pd.to_datetime(raw, errors="coerce", utc=True)  # fast: one format inferred from the first row
    retry = parsed.isna() & raw.notna()
    if retry.any():  # rows in another format: parse them one by one
        parsed[retry] = pd.to_datetime(raw[retry], errors="coerce", utc=True, format="mixed")
    bad = parsed.isna()
    if bad.any():
        row = bad.idxmax()
        raise UserInputError(f"row {row}: column {column!r} value {values.loc[row]!r} is not a date "
                             f"({int(bad.sum())} such row(s))")
    return parsed.dt.normalize()


def _check_values(values: pd.Series, column: str) -> pd.Series:
    numbers = pd.to_numeric(values.astype(object), errors="coerce").astype(float)
    bad = numbers.isna() & values.notna()
    if bad.any():
        row = bad.idxmax()
        raise UserInputError(f"row {row}: column {column!r} value {values.loc[row]!r} is not a number")
    negative = numbers < 0
    if negative.any():
        row = negative.idxmax()
        raise UserInputError(f"row {row}: column {column!r} value {numbers.loc[row]} is negative "
                             f"({int(negative.sum())} negative row(s)); refunds are not purchases")
    return numbers


def rfm_summary(transactions: pd.DataFrame, customer_col: str, date_col: str, value_col: str | None = None, *,
                calibration_end: Moment | None, observation_end: Moment | None = None,
                period_days: float = 7.0) -> pd.DataFrame:
    """Per customer: frequency, recency, T (and monetary_value, holdout columns) as of ``calibration_end``.

    ``calibration_end=None`` means the day of the last transaction; the day used is in
    ``attrs["calibration_end"]``.
    ``monetary_value`` is the mean value of the repeat purchase days (0 without repeat purchases;
    missing values are left out of the mean). With ``observation_end``: ``frequency_holdout``
    (purchase days after calibration, up to and including ``observation_end``), ``value_holdout``
    (their mean value, 0 when none) and ``duration_holdout`` (the holdout length in periods).
    """
    columns = [customer_col, date_col] + ([value_col] if value_col else [])
    missing = [c for c in columns if c not in transactions.columns]
    if missing:
        raise UserInputError(f"transactions have no column(s) {missing}; they have {list(transactions.columns)}")
    if period_days <= 0:
        raise UserInputError(f"period_days must be positive, not {period_days}")
    if transactions[customer_col].isna().any():
        row = transactions[customer_col].isna().idxmax()
        raise UserInputError(f"row {row}: column {customer_col!r} is empty")
    if transactions.empty:
        raise UserInputError("there are no transactions")
    parsed = _parse_days(transactions[date_col], date_col)
    cal_end = parsed.max() if calibration_end is None else _day(calibration_end, "calibration_end")
    obs_end = _day(observation_end, "observation_end") if observation_end is not None else None
    if obs_end is not None and obs_end <= cal_end:
        raise UserInputError(f"observation_end {obs_end.date()} must be after calibration_end {cal_end.date()}")

    frame = pd.DataFrame({"customer": transactions[customer_col].to_numpy(),
                          "day": parsed.to_numpy(),
                          "value": (_check_values(transactions[value_col], value_col).to_numpy()
                                    if value_col else 0.0)})
    days = (frame.groupby(["customer", "day"], sort=True)["value"].sum(min_count=1).reset_index())
    first = days.groupby("customer")["day"].transform("min")
    days = days[first <= cal_end]
    first = first[days.index]
    calibration = days[days["day"] <= cal_end]
    repeat = calibration[calibration["day"] > first[calibration.index]]
    cohort = calibration.groupby("customer")["day"].agg(first_day="min", last_day="max")

    summary = pd.DataFrame(index=cohort.index)
    summary.index.name = customer_col
    summary.attrs["calibration_end"] = cal_end
    to_periods = 86400.0 * period_days
    summary["frequency"] = repeat.groupby("customer").size().reindex(summary.index, fill_value=0).astype(int)
    summary["recency"] = (cohort["last_day"] - cohort["first_day"]).dt.total_seconds() / to_periods
    summary["T"] = (cal_end - cohort["first_day"]).dt.total_seconds() / to_periods
    if value_col:
        summary["monetary_value"] = repeat.groupby("customer")["value"].mean().reindex(summary.index).fillna(0.0)
    if obs_end is not None:
        holdout = days[(days["day"] > cal_end) & (days["day"] <= obs_end)]
        counts = holdout.groupby("customer").size()
        summary["frequency_holdout"] = counts.reindex(summary.index, fill_value=0).astype(int)
        if value_col:
            means = holdout.groupby("customer")["value"].mean()
            summary["value_holdout"] = means.reindex(summary.index).fillna(0.0)
        summary["duration_holdout"] = (obs_end - cal_end).total_seconds() / to_periods
    return summary


def orders_frame(session: Session, now: datetime) -> pd.DataFrame:
    """The CRM's orders placed by accounts up to ``now`` (account_id, ordered_at, total, currency)."""
    now = ensure_utc(now, "UTC")
    statement = (select(Order.account_id, Order.ordered_at, Order.total, Order.currency)
                 .where(Order.account_id.is_not(None), Order.ordered_at <= now)
                 .order_by(Order.account_id, Order.ordered_at))
    rows = session.execute(statement).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=ORDER_COLUMNS)
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"], utc=True)
    frame["total"] = pd.to_numeric(frame["total"].astype(object), errors="coerce").astype(float)
    frame["account_id"] = frame["account_id"].astype("int64")
    return frame
