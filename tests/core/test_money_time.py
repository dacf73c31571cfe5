"""Money parses exactly; times are always timezone-aware UTC."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from salesmind.core.errors import UserInputError
from salesmind.core.money import parse_amount
from salesmind.core.timeutil import FixedClock, ensure_utc, to_zone


@pytest.mark.parametrize("text,amount,currency", [
    ("1234.5", Decimal("1234.50"), None),
    ("$1,234.56", Decimal("1234.56"), "USD"),
    ("EUR 99", Decimal("99.00"), "EUR"),
    ("12 000,00".replace(",", "."), Decimal("12000.00"), None),
    ("(250.00)", Decimal("-250.00"), None),
    ("0.125", Decimal("0.12"), None),  # banker's rounding
    (17, Decimal("17.00"), None),
])
def test_parse_amount(text: object, amount: Decimal, currency: str | None) -> None:
    assert parse_amount(text) == (amount, currency)


@pytest.mark.parametrize("text", ["abc", "", "1.2.3", "nan", "inf"])
def test_parse_amount_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


def test_naive_time_needs_a_zone() -> None:
    with pytest.raises(UserInputError, match="no time zone"):
        ensure_utc(datetime(2025, 1, 1))
    assert ensure_utc(datetime(2025, 1, 1, 9), "Europe/Berlin") == datetime(2025, 1, 1, 8, tzinfo=timezone.utc)


@pytest.mark.parametrize("name", ["Mars/Olympus", "America", "../etc"])
def test_unknown_zone_is_a_clear_error(name: str) -> None:
    with pytest.raises(UserInputError, match="unknown time zone"):
        ensure_utc(datetime(2025, 1, 1), name)


def test_shown_in_user_zone() -> None:
    utc = datetime(2025, 7, 1, 12, tzinfo=timezone.utc)
    shown = to_zone(utc, "America/New_York")
    assert shown is not None and shown.hour == 8


def test_fixed_clock_advances() -> None:
    clock = FixedClock(datetime(2025, 1, 1, tzinfo=timezone.utc))
    clock.advance(hours=2)
    assert clock.now() == datetime(2025, 1, 1, 2, tzinfo=timezone.utc)
