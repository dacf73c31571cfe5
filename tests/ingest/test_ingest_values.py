"""Cell converters and company-name normalisation, on small cases with known answers."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from salesmind.data.models import Outcome
from salesmind.ingest.dedupe import normalise_company
from salesmind.ingest.specs import seniority_from_title
from salesmind.ingest import values as v

UTC = timezone.utc
CTX = v.ParseContext()


@pytest.mark.parametrize("text,expected", [
    ("1/31/2025", date(2025, 1, 31)), ("2025-01-31", date(2025, 1, 31)), ("31.01.2025", date(2025, 1, 31)),
    ("2025-01-31 10:00", date(2025, 1, 31)), (datetime(2025, 1, 31, 9), date(2025, 1, 31)),
])
def test_dates(text: object, expected: date) -> None:
    assert v.to_date(text, CTX) == expected


def test_datetimes_are_utc_and_naive_times_read_in_the_given_zone() -> None:
    berlin = v.ParseContext(timezone="Europe/Berlin")
    assert v.to_datetime("2025-01-31 10:00", berlin) == datetime(2025, 1, 31, 9, 0, tzinfo=UTC)
    assert v.to_datetime("1/31/2025 3:30 PM", CTX) == datetime(2025, 1, 31, 15, 30, tzinfo=UTC)
    assert v.to_datetime("2025-02-01T09:00:00Z", berlin) == datetime(2025, 2, 1, 9, tzinfo=UTC)
    assert v.to_datetime("1/31/2025", CTX) == datetime(2025, 1, 31, tzinfo=UTC)


def test_day_first_and_explicit_formats() -> None:
    assert v.to_date("03/04/2025", v.ParseContext(day_first=True)) == date(2025, 4, 3)
    assert v.to_date("2025|01|31", v.ParseContext(date_formats=("%Y|%m|%d",))) == date(2025, 1, 31)
    with pytest.raises(ValueError, match="expected %Y"):
        v.to_date("31/01/2025", v.ParseContext(date_formats=("%Y|%m|%d",)))


@pytest.mark.parametrize("bad", ["31/31/2025", "yesterday", "2025-13-01"])
def test_unparseable_dates(bad: str) -> None:
    with pytest.raises(ValueError, match="not a date"):
        v.to_date(bad, CTX)


@pytest.mark.parametrize("text,expected", [("Yes", True), ("no", False), ("1", True), ("0", False),
                                           ("TRUE", True), (1, True), (False, False)])
def test_booleans(text: object, expected: bool) -> None:
    assert v.to_bool(text, CTX) is expected


def test_bad_boolean() -> None:
    with pytest.raises(ValueError, match="yes/no"):
        v.to_bool("maybe", CTX)


def test_numbers_money_and_codes() -> None:
    assert v.to_int("1,200", CTX) == 1200 and v.to_int(12.0, CTX) == 12
    with pytest.raises(ValueError):
        v.to_int("12.5", CTX)
    assert v.to_money("$48,000.00", CTX) == (Decimal("48000.00"), "USD")
    assert v.to_money("EUR 12,500,000.00", CTX) == (Decimal("12500000.00"), "EUR")
    assert v.to_percent("15%", CTX) == Decimal("15.00")
    assert v.to_currency("eur", CTX) == "EUR"
    with pytest.raises(ValueError):
        v.to_currency("Euro", CTX)


def test_email_domain_json_and_enums() -> None:
    assert v.to_email(" Tom.Becker@Stark.example ", CTX) == "tom.becker@stark.example"
    with pytest.raises(ValueError):
        v.to_email("not-an-email", CTX)
    assert v.to_domain("https://www.Acme.com/about", CTX) == "acme.com"
    assert v.to_json('{"a": 1}', CTX) == {"a": 1}
    with pytest.raises(ValueError, match="JSON"):
        v.to_json("{a: 1}", CTX)
    convert = v.enum_converter(Outcome)
    assert convert("Won", CTX) is Outcome.WON
    with pytest.raises(ValueError, match="open, won, lost"):
        convert("maybe", CTX)


@pytest.mark.parametrize("name,expected", [
    ("ACME, Inc.", "acme"), ("Acme Corporation", "acme"), ("Müller & Söhne GmbH", "muller and sohne"),
    ("The Group", "the group"),
])
def test_company_normalisation(name: str, expected: str) -> None:
    assert normalise_company(name) == expected


def test_seniority_from_title() -> None:
    assert seniority_from_title("Chief Technology Officer").value == "c_level"
    assert seniority_from_title("VP of Operations").value == "vp"
    assert seniority_from_title("IT Manager").value == "manager"
    assert seniority_from_title("Engineer").value == "individual"


def test_a_date_written_with_a_time_keeps_its_written_day() -> None:
    late_night = v.ParseContext(timezone="Europe/Berlin")
    assert v.to_date("2025-01-31 00:30", late_night) == date(2025, 1, 31)
    assert v.to_date("1/31/2025 12:30 AM", late_night) == date(2025, 1, 31)
