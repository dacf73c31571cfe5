"""Reporting periods: half-open date ranges ``[start, end)``, the quarter pickers and the period before."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from salesmind.core.errors import UserInputError

#: Names the period picker offers (``custom`` takes explicit dates).
PERIOD_CHOICES = ("this_quarter", "last_quarter", "custom")


def quarter_of(day: date) -> tuple[date, date]:
    """The calendar quarter containing ``day`` as ``[start, end)``."""
    start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return start, _add_months(start, 3)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _is_month_start(day: date) -> bool:
    return day.day == 1


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period just before ``[start, end)``: the previous calendar months when the period is whole
    months (so a quarter is compared with the quarter before), else the same number of days."""
    check_period(start, end)
    if _is_month_start(start) and _is_month_start(end):
        months = (end.year - start.year) * 12 + end.month - start.month
        return _add_months(start, -months), start
    return start - (end - start), start


def year_before(start: date, end: date) -> tuple[date, date]:
    """The same period one year earlier (29 February maps to 28 February)."""
    def back(day: date) -> date:
        return (pd.Timestamp(day) - pd.DateOffset(years=1)).date()
    return back(start), back(end)


def trailing_periods(start: date, end: date, count: int) -> list[tuple[date, date]]:
    """``count`` consecutive periods ending with ``[start, end)``, oldest first."""
    periods = [(start, end)]
    while len(periods) < count:
        periods.insert(0, previous_period(*periods[0]))
    return periods


def check_period(start: date, end: date) -> None:
    """Refuse a period that is empty, reversed or absurdly long."""
    if end <= start:
        raise UserInputError(f"the period end {end} must be after its start {start}")
    if (end - start).days > 366 * 10:
        raise UserInputError(f"the period {start} – {end} is longer than ten years")
    if start.year < 1900 or end.year > 2200:
        raise UserInputError(f"the period {start} – {end} is outside the years 1900–2200")


def resolve_period(choice: str, today: date, start: date | None = None,
                   end: date | None = None) -> tuple[date, date]:
    """The ``[start, end)`` a picker choice means on ``today`` (``custom`` needs both dates)."""
    if choice == "this_quarter":
        return quarter_of(today)
    if choice == "last_quarter":
        return previous_period(*quarter_of(today))
    if choice == "custom":
        if start is None or end is None:
            raise UserInputError("a custom period needs both a start and an end date")
        check_period(start, end)
        return start, end
    raise UserInputError(f"unknown period {choice!r}; use one of {', '.join(PERIOD_CHOICES)}")


def as_utc(day: date | None) -> pd.Timestamp | None:
    """Midnight UTC of ``day`` (None stays None)."""
    return None if day is None else pd.Timestamp(day).tz_localize("UTC") if pd.Timestamp(day).tzinfo is None \
        else pd.Timestamp(day).tz_convert("UTC")


def days_in(start: date, end: date) -> int:
    """Days in ``[start, end)``."""
    return (end - start) // timedelta(days=1)
