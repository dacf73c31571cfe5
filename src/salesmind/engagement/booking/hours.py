"""A rep's working hours: parsed, validated, and laid out as UTC intervals in the rep's time zone.

Hours are stored as ``{"mon": [["09:00", "12:00"], ["13:00", "17:00"]], ...}`` (weekdays without a key
are days off). They are wall-clock times in the rep's IANA zone, so a 09:00 start stays 09:00 local on
both sides of a daylight-saving change: each day's intervals are converted to UTC on their own date.
"""

from __future__ import annotations

import json
import re
from itertools import pairwise
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from salesmind.core.errors import UserInputError
from salesmind.core.timeutil import UTC, zone

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
_SHORT_RANGE = re.compile(r"^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$")

#: Parsed hours: weekday index (Monday 0) -> sorted, non-overlapping (start, end) local times.
#: An end of ``None`` means midnight at the end of the day ("24:00").
Hours = dict[int, list[tuple[time, time | None]]]


def _parse_time(text: Any, where: str) -> time | None:
    if not isinstance(text, str) or not _TIME.match(text.strip()):
        raise UserInputError(f"working hours {where}: {text!r} is not a time like '09:00' (00:00 to 24:00)")
    text = text.strip()
    if text == "24:00":
        return None
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def _minutes(value: time | None) -> int:
    return 24 * 60 if value is None else value.hour * 60 + value.minute


def parse_working_hours(value: Mapping[str, Any] | str) -> Hours:
    """Validate working hours (a mapping or its JSON text) and return them by weekday index."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise UserInputError(f"working hours are not valid JSON: {exc.msg}") from None
    if not isinstance(value, Mapping):
        raise UserInputError('working hours must map weekdays to ranges, like {"mon": [["09:00", "17:00"]]}')
    hours: Hours = {}
    for key, ranges in value.items():
        day = str(key).strip().lower()[:3]
        if day not in DAYS or str(key).strip().lower() not in (day, _long_name(day)):
            raise UserInputError(f"working hours: unknown weekday {key!r} (use mon, tue, wed, thu, fri, sat, sun)")
        if not isinstance(ranges, list):
            raise UserInputError(f"working hours {key}: expected a list of [start, end] pairs")
        parsed: list[tuple[time, time | None]] = []
        for pair in ranges:
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise UserInputError(f"working hours {key}: {pair!r} is not a [start, end] pair")
            start, end = _parse_time(pair[0], key), _parse_time(pair[1], key)
            if start is None or _minutes(start) >= _minutes(end):
                raise UserInputError(f"working hours {key}: {pair[0]}-{pair[1]} must start before it ends")
            parsed.append((start, end))
        parsed.sort(key=lambda p: _minutes(p[0]))
        for (_, end), (start, _) in pairwise(parsed):
            if _minutes(start) < _minutes(end):
                raise UserInputError(f"working hours {key}: ranges overlap")
        if parsed:
            hours[DAYS.index(day)] = parsed
    if not hours:
        raise UserInputError("working hours are empty: give at least one day with a range")
    return hours


def _long_name(day: str) -> str:
    return {"mon": "monday", "tue": "tuesday", "wed": "wednesday", "thu": "thursday", "fri": "friday",
            "sat": "saturday", "sun": "sunday"}[day]


def parse_hours_shorthand(text: str) -> dict[str, list[list[str]]]:
    """Read ``"mon-fri 09:00-17:00"`` (several parts split by ``;``, ranges by ``,``) or JSON into stored form."""
    text = text.strip()
    if text.startswith("{"):
        return hours_to_json(parse_working_hours(text))
    out: dict[str, list[list[str]]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        days_text, _, ranges_text = part.partition(" ")
        if not ranges_text.strip():
            raise UserInputError(f"working hours {part!r}: expected days and ranges, like 'mon-fri 09:00-17:00'")
        days = _day_span(days_text)
        ranges = []
        for item in ranges_text.replace(" ", "").split(","):
            match = _SHORT_RANGE.match(item)
            if not match:
                raise UserInputError(f"working hours {part!r}: {item!r} is not a range like 09:00-17:00")
            ranges.append([match.group(1).zfill(5), match.group(2).zfill(5)])
        for day in days:
            out.setdefault(day, []).extend(ranges)
    return hours_to_json(parse_working_hours(out))


def _day_span(text: str) -> list[str]:
    days: list[str] = []
    for piece in text.lower().split(","):
        first, _, last = piece.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise UserInputError(f"working hours: {piece!r} is not a weekday or span like mon-fri")
        i, j = DAYS.index(first), DAYS.index(last or first)
        if j < i:
            raise UserInputError(f"working hours: {piece!r} runs backwards (write mon-fri, not fri-mon)")
        days.extend(DAYS[i:j + 1])
    return days


def hours_to_json(hours: Hours) -> dict[str, list[list[str]]]:
    """The stored form of parsed hours (weekday keys, "HH:MM" strings, "24:00" for midnight)."""
    def fmt(value: time | None) -> str:
        return "24:00" if value is None else value.strftime("%H:%M")

    return {DAYS[day]: [[fmt(s), fmt(e)] for s, e in ranges] for day, ranges in sorted(hours.items())}


def _local(day: date, at: time | None, tz_name: str) -> datetime:
    """The UTC instant of wall-clock ``at`` on ``day`` in the zone (None: the next midnight)."""
    tz = zone(tz_name)
    if at is None:
        day, at = day + timedelta(days=1), time(0, 0)
    # A wall time inside a spring-forward gap is read with the offset before the change (fold=0),
    # which lands it just after the gap, as calendar programs do.
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def working_intervals(hours: Hours, tz_name: str, first: date, last: date) -> list[tuple[datetime, datetime]]:
    """The working intervals, in UTC, of every local date from ``first`` to ``last`` inclusive."""
    zone(tz_name)  # a clear error for an unknown zone
    out: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        for start, end in hours.get(day.weekday(), []):
            out.append((_local(day, start, tz_name), _local(day, end, tz_name)))
        day += timedelta(days=1)
    return out
