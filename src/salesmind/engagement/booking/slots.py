"""Free meeting slots: working hours minus busy times and booked meetings, shown in the visitor's zone.

Slots are ``slot_minutes`` long and start at the beginning of each working range, one after another
(so 09:00, 09:30, ... local). A slot is free when, widened by ``buffer_minutes`` on each side, it meets
no busy interval and no confirmed booking; it must start at least ``min_notice_minutes`` after now and
before now plus ``horizon_days``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from salesmind.core.errors import UserInputError
from salesmind.core.timeutil import UTC, zone
from salesmind.engagement.booking.busy import Interval, merge_intervals
from salesmind.engagement.booking.hours import parse_working_hours, working_intervals


class CalendarRules(Protocol):
    """What slot finding needs from a rep's calendar (a ``RepCalendar`` row fits)."""

    timezone: str
    working_hours: dict[str, Any]
    slot_minutes: int
    buffer_minutes: int
    min_notice_minutes: int
    horizon_days: int


@dataclass(frozen=True)
class Slot:
    """A free slot: its UTC start and end, and its start in the visitor's and the rep's zones."""

    start: datetime
    end: datetime
    visitor_start: datetime
    rep_start: datetime

    @property
    def key(self) -> str:
        """The slot's start in UTC, ISO-8601 (what a booking form posts back)."""
        return self.start.strftime("%Y-%m-%dT%H:%M:%SZ")


def booking_window(rules: CalendarRules, now: datetime) -> tuple[datetime, datetime]:
    """The earliest start (now plus minimum notice) and the end of the horizon, in UTC."""
    now = now.astimezone(UTC)
    return now + timedelta(minutes=rules.min_notice_minutes), now + timedelta(days=rules.horizon_days)


def candidate_slots(rules: CalendarRules, now: datetime) -> list[Interval]:
    """Every slot inside working hours and the booking window, busy or not (UTC)."""
    if rules.slot_minutes <= 0:
        raise UserInputError("slot length must be a positive number of minutes")
    earliest, latest = booking_window(rules, now)
    tz = zone(rules.timezone)
    hours = parse_working_hours(rules.working_hours)
    first, last = earliest.astimezone(tz).date(), latest.astimezone(tz).date()
    length = timedelta(minutes=rules.slot_minutes)
    out: list[Interval] = []
    for begins, ends in working_intervals(hours, rules.timezone, first, last):
        start = begins
        while start + length <= ends:
            if earliest <= start < latest:
                out.append((start, start + length))
            start += length
    return out


def _overlaps(start: datetime, end: datetime, taken: list[Interval], from_index: int) -> tuple[bool, int]:
    """Whether ``[start, end)`` meets a sorted taken interval, and where the next search may begin."""
    i = from_index
    while i < len(taken) and taken[i][1] <= start:
        i += 1
    return (i < len(taken) and taken[i][0] < end), i


def free_slots(calendar: CalendarRules, busy: Iterable[Interval], bookings: Iterable[Interval],
               now: datetime, visitor_tz: str) -> list[Slot]:
    """The free slots of ``calendar``, soonest first, shown in ``visitor_tz`` and the rep's zone."""
    visitor = zone(visitor_tz)
    rep = zone(calendar.timezone)
    buffer = timedelta(minutes=calendar.buffer_minutes)
    taken = merge_intervals([(s.astimezone(UTC), e.astimezone(UTC)) for s, e in [*busy, *bookings]])
    slots: list[Slot] = []
    cursor = 0
    for start, end in candidate_slots(calendar, now):
        clash, cursor = _overlaps(start - buffer, end + buffer, taken, cursor)
        if not clash:
            slots.append(Slot(start, end, start.astimezone(visitor), start.astimezone(rep)))
    return slots


def group_by_day(slots: list[Slot]) -> list[tuple[str, list[Slot]]]:
    """Slots grouped by the visitor's local date, as (label like 'Tuesday 10 March 2026', slots)."""
    groups: dict[str, list[Slot]] = {}
    for slot in slots:
        groups.setdefault(slot.visitor_start.strftime("%A %d %B %Y"), []).append(slot)
    return list(groups.items())
