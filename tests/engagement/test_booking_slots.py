"""Busy times from an ICS file, free slots (buffer, notice, horizon, visitor zone) and the ICS invitation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import icalendar
import pytest

from salesmind.core.errors import UserInputError
from salesmind.engagement.booking.busy import busy_intervals, merge_intervals, read_ics_source
from salesmind.engagement.booking.hours import parse_hours_shorthand
from salesmind.engagement.booking.invite import Invitation, invitation_ics
from salesmind.engagement.booking.slots import free_slots, group_by_day

UTC = timezone.utc
ICS = Path(__file__).parent / "fixtures" / "booking_busy.ics"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class Rules:
    timezone: str = "Europe/Berlin"
    working_hours: dict[str, Any] = field(default_factory=lambda: parse_hours_shorthand("mon-fri 09:00-17:00"))
    slot_minutes: int = 30
    buffer_minutes: int = 0
    min_notice_minutes: int = 0
    horizon_days: int = 14


def busy_in_march() -> list[tuple[datetime, datetime]]:
    return busy_intervals(read_ics_source(str(ICS)), "Europe/Berlin", utc(2026, 3, 1), utc(2026, 4, 15))


def test_busy_expands_recurrences_and_skips_exdate_transparent_and_cancelled() -> None:
    busy = busy_in_march()
    weekly = [b for b in busy if b[1] - b[0] == timedelta(hours=1) and b[0].weekday() == 0]
    # Mondays 10:00 Berlin: CET until 29 March (09:00 UTC), CEST after (08:00 UTC); 16 March is an EXDATE.
    assert [b[0] for b in weekly] == [utc(2026, 3, 2, 9), utc(2026, 3, 9, 9), utc(2026, 3, 23, 9),
                                      utc(2026, 3, 30, 8), utc(2026, 4, 6, 8)]
    assert (utc(2026, 3, 10, 23), utc(2026, 3, 11, 23)) in busy      # all-day Wednesday 11 March, Berlin days
    assert (utc(2026, 3, 13, 12), utc(2026, 3, 13, 13)) in busy      # floating 13:00 read in Berlin time
    assert (utc(2026, 3, 10, 9), utc(2026, 3, 10, 9, 30)) in busy    # DURATION instead of DTEND
    assert not any(b[0] <= utc(2026, 3, 10, 13) < b[1] for b in busy)   # TRANSP:TRANSPARENT
    assert not any(b[0] <= utc(2026, 3, 12, 8) < b[1] for b in busy)    # STATUS:CANCELLED
    assert len(busy) == 8


def test_bad_sources_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="does not exist"):
        read_ics_source(str(tmp_path / "missing.ics"))
    with pytest.raises(UserInputError, match="not valid ICS"):
        busy_intervals(b"this is not a calendar", "UTC", utc(2026, 3, 1), utc(2026, 3, 2))


def test_merge_intervals() -> None:
    a, b, c = utc(2026, 1, 1, 9), utc(2026, 1, 1, 10), utc(2026, 1, 1, 11)
    assert merge_intervals([(b, c), (a, b)]) == [(a, c)]
    assert merge_intervals([(a, b), (a, c), (c, c + timedelta(hours=1))]) == [(a, c + timedelta(hours=1))]


def test_free_slots_leave_out_busy_times_with_the_buffer() -> None:
    now = utc(2026, 3, 9, 0)  # Monday
    slots = free_slots(Rules(buffer_minutes=15), busy_in_march(), [], now, "Europe/Berlin")
    monday = [s.rep_start.strftime("%H:%M") for s in slots if s.rep_start.date().isoformat() == "2026-03-09"]
    # The 10:00-11:00 sync, widened by 15 minutes, removes 09:30 and 11:00 as well.
    assert monday[:3] == ["09:00", "11:30", "12:00"] and len(monday) == 16 - 4
    days = {s.rep_start.date().isoformat() for s in slots}
    assert "2026-03-11" not in days and "2026-03-14" not in days  # all-day offsite; Saturday
    friday = [s.rep_start.strftime("%H:%M") for s in slots if s.rep_start.date().isoformat() == "2026-03-13"]
    assert "12:30" not in friday and "13:00" not in friday and "13:30" not in friday and "14:00" not in friday


def test_confirmed_bookings_block_their_slot() -> None:
    now = utc(2026, 3, 9, 0)
    booked = [(utc(2026, 3, 9, 12), utc(2026, 3, 9, 12, 30))]  # 13:00 Berlin
    starts = {s.start for s in free_slots(Rules(), [], booked, now, "UTC")}
    assert utc(2026, 3, 9, 12) not in starts and utc(2026, 3, 9, 12, 30) in starts


def test_minimum_notice_and_horizon() -> None:
    now = utc(2026, 3, 9, 9, 10)  # Monday 10:10 in Berlin
    slots = free_slots(Rules(min_notice_minutes=120, horizon_days=2), [], [], now, "UTC")
    assert slots[0].start == utc(2026, 3, 9, 11, 30)  # 12:30 Berlin: the first slot at least 2 hours away
    assert slots[-1].start < now + timedelta(days=2)
    assert slots[-1].start == utc(2026, 3, 11, 9)  # Wednesday 10:00 Berlin, the last before 10:10 two days on


def test_visitor_in_kolkata_sees_new_york_hours_in_ist_across_dst() -> None:
    rules = Rules(timezone="America/New_York", horizon_days=7)
    slots = free_slots(rules, [], [], utc(2026, 3, 6, 0), "Asia/Kolkata")
    by_day = dict(group_by_day(slots))
    friday, monday = by_day["Friday 06 March 2026"], by_day["Monday 09 March 2026"]
    # 09:00 EST = 14:00 UTC = 19:30 IST; after the US change 09:00 EDT = 13:00 UTC = 18:30 IST (India has no DST).
    assert (friday[0].rep_start.strftime("%H:%M"), friday[0].visitor_start.strftime("%H:%M %z")) == ("09:00",
                                                                                                      "19:30 +0530")
    assert (monday[0].rep_start.strftime("%H:%M"), monday[0].visitor_start.strftime("%H:%M %z")) == ("09:00",
                                                                                                      "18:30 +0530")
    # Monday in India holds 18:30 to 23:30 IST (11 slots); the other 5 of the 16 New York slots are Tuesday there.
    assert monday[0].start == utc(2026, 3, 9, 13) and len(monday) == 11
    # The late New York slots fall on the next calendar day in India.
    saturday = by_day["Saturday 07 March 2026"]
    assert (saturday[-1].rep_start.strftime("%a %H:%M"), saturday[-1].visitor_start.strftime("%a %H:%M")) == (
        "Fri 16:30", "Sat 03:00")
    assert friday[-1].visitor_start.strftime("%a %H:%M") == "Fri 23:30"


def test_invitation_parses_back() -> None:
    created = utc(2026, 3, 5, 10)
    invite = Invitation(uid="abc@salesmind", start=utc(2026, 3, 9, 13), end=utc(2026, 3, 9, 13, 30),
                        organizer_email="rep@example.com", organizer_name="Rita Rep",
                        attendee_email="vic@example.org", attendee_name="Vic Visitor", summary="Intro call",
                        description="Pricing, next steps; and a comma, too", created=created)
    calendar = icalendar.Calendar.from_ical(invitation_ics(invite))
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == "abc@salesmind"
    assert event["DTSTART"].dt == invite.start and event["DTEND"].dt == invite.end
    assert event["DTSTART"].dt.utcoffset() == timedelta(0)
    assert str(event["ORGANIZER"]) == "mailto:rep@example.com" and event["ORGANIZER"].params["CN"] == "Rita Rep"
    assert str(event["ATTENDEE"]) == "mailto:vic@example.org" and event["ATTENDEE"].params["CN"] == "Vic Visitor"
    assert str(event["SUMMARY"]) == "Intro call"
    assert str(event["DESCRIPTION"]) == "Pricing, next steps; and a comma, too"
    cancelled = icalendar.Calendar.from_ical(invitation_ics(invite, cancel=True))
    assert str(cancelled["METHOD"]) == "CANCEL" and str(cancelled.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"
    # The invitation is itself a calendar the busy reader understands.
    assert busy_intervals(invitation_ics(invite), "UTC", utc(2026, 3, 9), utc(2026, 3, 10)) == [
        (invite.start, invite.end)]
