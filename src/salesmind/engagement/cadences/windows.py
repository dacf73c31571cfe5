"""Send windows: the next moment inside the recipient's business hours, in their own time zone.

A step is due ``wait_days`` after the previous touch; that moment is moved forward into the next
open window (default Monday to Friday, 08:00 to 18:00 local time). Local times are built with
:mod:`zoneinfo`, and every comparison is made in UTC, so days when the clocks change keep their
local opening hour (08:00 is 08:00 whether the offset is +1 or +2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from salesmind.core.errors import UserInputError
from salesmind.core.timeutil import UTC

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class SendWindow:
    """Business hours: the weekdays (0 = Monday) and the local opening and closing times."""

    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    start: time = time(8, 0)
    end: time = time(18, 0)

    def __post_init__(self) -> None:
        if not self.days or any(d not in range(7) for d in self.days):
            raise UserInputError(f"send window days must be weekdays 0-6 (Monday = 0), got {list(self.days)}")
        if self.start >= self.end:
            raise UserInputError(f"send window start {self.start:%H:%M} must be before its end {self.end:%H:%M}")

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> SendWindow:
        """The window of a sequence's settings (``send_window: {days: [mon, ...], start: "08:00", end: "18:00"}``)."""
        raw = (settings or {}).get("send_window") or {}
        if not isinstance(raw, dict):
            raise UserInputError("the sequence setting send_window must be a mapping with days, start and end")
        days = tuple(_day(d) for d in raw.get("days", cls.days))
        return cls(days=days, start=_clock(raw.get("start", "08:00"), "start"),
                   end=_clock(raw.get("end", "18:00"), "end"))

    def to_settings(self) -> dict[str, Any]:
        """The JSON form :meth:`from_settings` reads."""
        return {"days": [DAY_NAMES[d] for d in self.days], "start": f"{self.start:%H:%M}",
                "end": f"{self.end:%H:%M}"}


def _day(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    name = str(value).strip().lower()[:3]
    if name not in DAY_NAMES:
        raise UserInputError(f"{value!r} is not a weekday (use mon..sun or 0-6)")
    return DAY_NAMES.index(name)


def _clock(value: Any, what: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise UserInputError(f"send window {what} {value!r} is not a time of day (HH:MM)") from None


def zone_named(name: str | None) -> ZoneInfo | None:
    """The IANA zone ``name`` (None when empty or unknown)."""
    if not name or not str(name).strip():
        return None
    try:
        return ZoneInfo(str(name).strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def first_zone(*names: str | None) -> ZoneInfo:
    """The first valid zone among ``names`` (recipient, sequence, owner), else UTC."""
    for name in names:
        found = zone_named(name)
        if found is not None:
            return found
    return ZoneInfo("UTC")


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``day`` at ``at`` in ``zone`` as UTC (a time in a spring-forward gap moves past the gap)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def next_send_moment(due: datetime, zone: ZoneInfo, window: SendWindow | None = None) -> datetime:
    """The first moment at or after ``due`` inside ``window`` in ``zone``, in UTC."""
    if due.tzinfo is None:
        raise UserInputError("due must be a time-zone aware datetime")
    window = window or SendWindow()
    due = due.astimezone(UTC)
    today = due.astimezone(zone).date()
    for offset in range(8):
        day = today + timedelta(days=offset)
        if day.weekday() not in window.days:
            continue
        opens, closes = _local(day, window.start, zone), _local(day, window.end, zone)
        if due < opens:
            return opens
        if due < closes:
            return due
    raise AssertionError("a window with at least one weekday opens within eight days")  # pragma: no cover


def step_due(previous: datetime, wait_days: float) -> datetime:
    """When a step is due: ``wait_days`` (fractions allowed) after the previous touch."""
    if wait_days < 0:
        raise UserInputError(f"wait_days must be >= 0, got {wait_days}")
    return previous + timedelta(days=wait_days)


def start_of_local_day(moment: datetime, zone: ZoneInfo) -> datetime:
    """Midnight of ``moment``'s local day in ``zone``, in UTC (for per-day caps)."""
    return _local(moment.astimezone(zone).date(), time(0, 0), zone)
