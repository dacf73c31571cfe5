"""Pipeline coverage: the open pipeline expected to close in a period against the period's target.

The target comes from, in order: the caller's number; the latest stored pipeline forecast for exactly that
period (its mean; company-wide, so only for the unrestricted scope); the bookings of the same period one year
earlier. The answer says which one it used.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from salesmind.analytics.periods import as_utc, year_before

TARGET_SOURCES = ("parameter", "forecast", "last_year_bookings", "none")


def open_pipeline(deals: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """Open deals whose expected close date falls in ``[start, end)``."""
    close = pd.to_datetime(deals["expected_close_date"], errors="coerce")
    close = close.dt.tz_localize("UTC") if close.dt.tz is None else close.dt.tz_convert("UTC")
    return deals[deals["outcome"].eq("open") & (close >= as_utc(start)) & (close < as_utc(end))]


def bookings(deals: pd.DataFrame, start: date, end: date) -> float:
    """The amount won (closed) in ``[start, end)``."""
    at = deals["closed_at"]
    won = deals["outcome"].eq("won") & (at >= as_utc(start)) & (at < as_utc(end))
    return float(deals.loc[won, "amount"].sum())


def choose_target(target: float | None, forecast: float | None, last_year: float) -> tuple[float | None, str]:
    """The target and where it came from (:data:`TARGET_SOURCES`)."""
    if target is not None:
        return float(target), "parameter"
    if forecast is not None and forecast > 0:
        return float(forecast), "forecast"
    if last_year > 0:
        return last_year, "last_year_bookings"
    return None, "none"


def coverage(deals: pd.DataFrame, start: date, end: date, *, target: float | None = None,
             forecast: float | None = None, group_by: str | None = None) -> dict[str, Any]:
    """Open pipeline closing in ``[start, end)``, bookings so far, the target (see module doc) and coverage =
    pipeline / target; ``remaining_coverage`` = pipeline / (target - won so far) while target is not yet met.
    With ``group_by``: the open pipeline and won amount per group (``groups``)."""
    pipeline = open_pipeline(deals, start, end)
    amount = float(pipeline["amount"].sum())
    won = bookings(deals, start, end)
    last_year = bookings(deals, *year_before(start, end))
    chosen, source = choose_target(target, forecast, last_year)
    remaining = chosen - won if chosen is not None else None
    result: dict[str, Any] = {
        "start": start, "end": end, "open_pipeline": amount, "open_deals": len(pipeline), "won": won,
        "target": chosen, "target_source": source, "last_year_bookings": last_year,
        "coverage": amount / chosen if chosen else None,
        "remaining_coverage": amount / remaining if remaining and remaining > 0 else None, "groups": []}
    if group_by is not None:
        key = pipeline[group_by].fillna("(none)").astype(str)
        sums = pipeline["amount"].groupby(key).agg(["sum", "size"])
        for value, row in sums.sort_values("sum", ascending=False).iterrows():
            result["groups"].append({"group": value, "open_pipeline": float(row["sum"]),
                                     "open_deals": int(row["size"])})
    return result
