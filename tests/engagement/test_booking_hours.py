"""Working hours: validation, the shorthand, and DST-correct local times (UTC offsets from the IANA rules)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from salesmind.core.errors import UserInputError
from salesmind.engagement.booking.hours import (
    hours_to_json,
    parse_hours_shorthand,
    parse_working_hours,
    working_intervals,
)

UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_parses_and_normalises_ranges() -> None:
    hours = parse_working_hours({"mon": [["13:00", "17:00"], ["09:00", "12:00"]], "Friday": [["09:00", "24:00"]]})
    assert hours_to_json(hours) == {"mon": [["09:00", "12:00"], ["13:00", "17:00"]], "fri": [["09:00", "24:00"]]}
    assert parse_working_hours('{"sun": [["00:00", "06:00"]]}')[6][0][1].hour == 6


@pytest.mark.parametrize("value, message", [
    ({"mon": [["17:00", "09:00"]]}, "must start before it ends"),
    ({"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}, "overlap"),
    ({"funday": [["09:00", "12:00"]]}, "unknown weekday"),
    ({"mon": [["9am", "12:00"]]}, "not a time"),
    ({"mon": [["25:00", "26:00"]]}, "not a time"),
    ({"mon": ["09:00-12:00"]}, "not a [start, end] pair"),
    ({"mon": "09:00-12:00"}, "list of [start, end] pairs"),
    ({}, "empty"),
    ("{not json", "not valid JSON"),
    (["mon"], "must map weekdays"),
])
def test_bad_hours_are_refused_with_a_reason(value: object, message: str) -> None:
    with pytest.raises(UserInputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_working_hours(value)  # type: ignore[arg-type]


def test_shorthand() -> None:
    assert parse_hours_shorthand("mon-fri 09:00-17:00") == {d: [["09:00", "17:00"]]
                                                             for d in ("mon", "tue", "wed", "thu", "fri")}
    assert parse_hours_shorthand("mon,wed 9:00-12:00, 13:00-17:00; sat 10:00-12:00") == {
        "mon": [["09:00", "12:00"], ["13:00", "17:00"]], "wed": [["09:00", "12:00"], ["13:00", "17:00"]],
        "sat": [["10:00", "12:00"]]}
    assert parse_hours_shorthand('{"tue": [["08:00", "10:00"]]}') == {"tue": [["08:00", "10:00"]]}
    for bad in ("fri-mon 09:00-17:00", "weekdays 09:00-17:00", "mon-fri", "mon-fri 9-5"):
        with pytest.raises(UserInputError):
            parse_hours_shorthand(bad)


WEEKDAYS = parse_working_hours(parse_hours_shorthand("mon-fri 09:00-17:00"))


@pytest.mark.parametrize("tz, before, after", [
    # America/New_York: EST (UTC-5) until Sunday 8 March 2026, EDT (UTC-4) after.
    ("America/New_York", (date(2026, 3, 6), utc(2026, 3, 6, 14)), (date(2026, 3, 9), utc(2026, 3, 9, 13))),
    # ... and back to EST on Sunday 1 November 2026.
    ("America/New_York", (date(2026, 10, 30), utc(2026, 10, 30, 13)), (date(2026, 11, 2), utc(2026, 11, 2, 14))),
    # Europe/Berlin: CET (UTC+1) until Sunday 29 March 2026, CEST (UTC+2) after.
    ("Europe/Berlin", (date(2026, 3, 27), utc(2026, 3, 27, 8)), (date(2026, 3, 30), utc(2026, 3, 30, 7))),
])
def test_nine_o_clock_stays_nine_o_clock_across_dst(tz: str, before: tuple, after: tuple) -> None:
    for day, expected_start in (before, after):
        (start, end), = working_intervals(WEEKDAYS, tz, day, day)
        assert start == expected_start
        assert end - start == timedelta(hours=8)


def test_a_range_over_the_spring_forward_night_is_an_hour_shorter() -> None:
    night = parse_working_hours({"sun": [["00:00", "06:00"]]})
    (start, end), = working_intervals(night, "America/New_York", date(2026, 3, 8), date(2026, 3, 8))
    assert (start, end) == (utc(2026, 3, 8, 5), utc(2026, 3, 8, 10))  # 00:00 EST to 06:00 EDT: 5 hours
    (start, end), = working_intervals(night, "America/New_York", date(2026, 11, 1), date(2026, 11, 1))
    assert (start, end) == (utc(2026, 11, 1, 4), utc(2026, 11, 1, 11))  # 00:00 EDT to 06:00 EST: 7 hours


def test_days_off_and_unknown_zone() -> None:
    assert working_intervals(WEEKDAYS, "UTC", date(2026, 3, 7), date(2026, 3, 8)) == []  # Saturday, Sunday
    with pytest.raises(UserInputError, match="unknown time zone"):
        working_intervals(WEEKDAYS, "Mars/Olympus", date(2026, 3, 7), date(2026, 3, 8))
