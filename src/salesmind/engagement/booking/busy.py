"""Busy intervals from a rep's ICS calendar (a file or an http(s) feed), read with ``icalendar``.

Recurring events are expanded with ``recurring-ical-events`` (RRULE, RDATE, EXDATE and moved
occurrences). Cancelled events and events marked ``TRANSP:TRANSPARENT`` (shown as free) do not block
time. All-day events block the rep's whole local days; floating times (no zone) are read in the rep's
zone. A feed is fetched only when a rep has configured one, with a timeout.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import httpx
import icalendar
import recurring_ical_events

from salesmind.core.errors import UserInputError
from salesmind.core.timeutil import UTC, zone

#: Seconds to wait for a calendar feed.
FETCH_TIMEOUT = 10.0
#: Largest calendar accepted (bytes).
MAX_ICS_BYTES = 20 * 1024 * 1024

Interval = tuple[datetime, datetime]


def read_ics_source(source: str, timeout: float = FETCH_TIMEOUT) -> bytes:
    """The bytes of an ICS file path or an http(s) URL (fetched with ``timeout`` seconds)."""
    if source.startswith(("http://", "https://")):
        try:
            response = httpx.get(source, timeout=timeout, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise UserInputError(f"calendar feed {source!r} could not be fetched: {exc}") from None
        data = response.content
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise UserInputError(f"calendar file {source!r} does not exist")
        data = path.read_bytes()
    if len(data) > MAX_ICS_BYTES:
        raise UserInputError(f"calendar {source!r} is larger than {MAX_ICS_BYTES // 2**20} MB")
    return data


def parse_calendar(data: bytes | str) -> icalendar.Calendar:
    """Parse ICS text, or a clear error."""
    try:
        return icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise UserInputError(f"the calendar is not valid ICS: {exc}") from None


def _instant(value: date | datetime, tz_name: str) -> datetime:
    """A DTSTART/DTEND value as a UTC instant: dates are local midnights, floating times local."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone(tz_name))
    return value.astimezone(UTC)


def _blocks_time(event: icalendar.Event) -> bool:
    status = str(event.get("STATUS", "CONFIRMED")).upper()
    transparency = str(event.get("TRANSP", "OPAQUE")).upper()
    return status != "CANCELLED" and transparency != "TRANSPARENT"


def busy_intervals(data: bytes | str | icalendar.Calendar, tz_name: str, start: datetime,
                   end: datetime) -> list[Interval]:
    """Merged busy intervals (UTC) of the calendar that overlap ``[start, end)``."""
    calendar = data if isinstance(data, icalendar.Calendar) else parse_calendar(data)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    local = zone(tz_name)
    # A day's margin each side catches all-day and floating events, whose instants depend on the zone.
    query_from = (start - timedelta(days=1)).astimezone(local)
    query_to = (end + timedelta(days=1)).astimezone(local)
    try:
        occurrences = recurring_ical_events.of(calendar, skip_bad_series=True).between(query_from, query_to)
    except Exception as exc:  # the library raises its own errors for malformed rules
        raise UserInputError(f"the calendar's recurring events cannot be expanded: {exc}") from None
    intervals: list[Interval] = []
    for event in occurrences:
        if not _blocks_time(event) or event.get("DTSTART") is None:
            continue
        first = event["DTSTART"].dt
        try:
            last = event.end
        except (icalendar.InvalidCalendar, ValueError, KeyError):
            last = first
        begins, ends = _instant(first, tz_name), _instant(last, tz_name)
        if ends > begins and begins < end and ends > start:
            intervals.append((begins, ends))
    return merge_intervals(intervals)


def merge_intervals(intervals: list[Interval]) -> list[Interval]:
    """Sorted intervals with overlapping or touching ones joined."""
    merged: list[Interval] = []
    for begins, ends in sorted(intervals):
        if merged and begins <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], ends))
        else:
            merged.append((begins, ends))
    return merged
