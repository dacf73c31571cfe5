"""Send windows: business hours in the recipient's zone, weekends skipped, clock changes respected."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from salesmind.core.errors import UserInputError
from salesmind.engagement.cadences.windows import (
    SendWindow,
    first_zone,
    next_send_moment,
    start_of_local_day,
    step_due,
)

NY, BERLIN, KOLKATA = first_zone("America/New_York"), first_zone("Europe/Berlin"), first_zone("Asia/Kolkata")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize("due, zone, expected", [
    (at(2024, 6, 3, 11, 0), NY, at(2024, 6, 3, 12, 0)),        # Mon 07:00 EDT -> 08:00 EDT
    (at(2024, 6, 3, 12, 0), BERLIN, at(2024, 6, 3, 12, 0)),    # Mon 14:00 CEST: inside, unchanged
    (at(2024, 6, 3, 13, 0), KOLKATA, at(2024, 6, 4, 2, 30)),   # Mon 18:30 IST -> Tue 08:00 IST (+05:30)
    (at(2024, 6, 3, 2, 29), KOLKATA, at(2024, 6, 3, 2, 30)),   # one minute before opening
    (at(2024, 6, 3, 22, 0), NY, at(2024, 6, 4, 12, 0)),        # Mon 18:00 EDT: closing time is outside
    (at(2024, 6, 7, 23, 0), NY, at(2024, 6, 10, 12, 0)),       # Fri 19:00 EDT -> Mon 08:00 EDT
    (at(2024, 6, 8, 9, 0), BERLIN, at(2024, 6, 10, 6, 0)),     # Saturday -> Mon 08:00 CEST
])
def test_the_due_moment_moves_into_the_recipients_business_hours(due: datetime, zone, expected: datetime) -> None:
    assert next_send_moment(due, zone) == expected


def test_spring_forward_weekend_opens_monday_at_eight_in_the_new_offset() -> None:
    # Berlin moves from CET (+1) to CEST (+2) on Sunday 31 March 2024.
    assert next_send_moment(at(2024, 3, 29, 16, 30), BERLIN) == at(2024, 3, 29, 16, 30)  # Fri 17:30 CET
    assert next_send_moment(at(2024, 3, 29, 17, 0), BERLIN) == at(2024, 4, 1, 6, 0)  # Fri 18:00 -> Mon 08:00 CEST
    assert next_send_moment(at(2024, 3, 28, 17, 30), BERLIN) == at(2024, 3, 29, 7, 0)  # Thu evening -> Fri 08:00 CET


def test_fall_back_weekend_opens_monday_at_eight_in_the_new_offset() -> None:
    # New York moves from EDT (-4) to EST (-5) on Sunday 3 November 2024.
    assert next_send_moment(at(2024, 11, 1, 22, 0), NY) == at(2024, 11, 4, 13, 0)
    assert next_send_moment(at(2024, 11, 1, 12, 0), NY) == at(2024, 11, 1, 12, 0)  # Fri 08:00 EDT


def test_a_window_opening_inside_the_spring_forward_gap_opens_just_after_it() -> None:
    every_day = SendWindow(days=tuple(range(7)), start=time(2, 30), end=time(6, 0))
    # 02:30 does not exist in Berlin on 31 March 2024; zoneinfo reads it with the old offset: 01:30 UTC = 03:30 CEST
    assert next_send_moment(at(2024, 3, 30, 12, 0), BERLIN, every_day) == at(2024, 3, 31, 1, 30)


def test_window_from_settings_accepts_day_names_and_times() -> None:
    window = SendWindow.from_settings({"send_window": {"days": ["Tue", "thu", 5], "start": "09:30", "end": "12:00"}})
    assert window == SendWindow(days=(1, 3, 5), start=time(9, 30), end=time(12, 0))
    assert SendWindow.from_settings(window_settings := {"send_window": window.to_settings()}) == window
    assert window_settings["send_window"]["days"] == ["tue", "thu", "sat"]
    assert SendWindow.from_settings(None) == SendWindow()
    # Monday 10:00 Berlin -> Tuesday 09:30 Berlin
    assert next_send_moment(at(2024, 6, 3, 8, 0), BERLIN, window) == at(2024, 6, 4, 7, 30)


@pytest.mark.parametrize("raw", [{"days": []}, {"days": ["funday"]}, {"start": "18:00", "end": "08:00"},
                                 {"start": "eight"}, "mon-fri"])
def test_bad_windows_are_refused_with_a_clear_message(raw) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserInputError, match="send.window|weekday"):
        SendWindow.from_settings({"send_window": raw})


def test_zone_falls_back_from_recipient_to_sequence_to_owner_to_utc() -> None:
    assert str(first_zone(None, "Not/AZone", "Asia/Kolkata")) == "Asia/Kolkata"
    assert str(first_zone("Europe/Berlin", "Asia/Kolkata")) == "Europe/Berlin"
    assert str(first_zone(None, "")) == "UTC"


def test_step_due_and_local_midnight() -> None:
    assert step_due(at(2024, 6, 3, 12), 2.5) == at(2024, 6, 3, 12) + timedelta(days=2, hours=12)
    with pytest.raises(UserInputError):
        step_due(at(2024, 6, 3, 12), -1)
    assert start_of_local_day(at(2024, 6, 3, 2, 0), KOLKATA) == at(2024, 6, 2, 18, 30)
    with pytest.raises(UserInputError, match="aware"):
        next_send_moment(datetime(2024, 6, 3, 12), NY)
