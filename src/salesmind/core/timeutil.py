"""Time helpers: everything inside is timezone-aware UTC; clocks are passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from salesmind.core.errors import UserInputError

UTC = timezone.utc


class Clock(Protocol):
    """Anything that can say what time it is (in UTC)."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that stands still until told to move (for tests and simulations)."""

    current: datetime

    def now(self) -> datetime:
        """Return the fixed time."""
        return self.current

    def advance(self, **delta: float) -> None:
        """Move the clock forward by ``timedelta(**delta)``."""
        self.current = self.current + timedelta(**delta)


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def ensure_utc(value: datetime, assume: str | None = None) -> datetime:
    """Convert to UTC; a naive value is read in zone ``assume`` or rejected."""
    if value.tzinfo is None:
        if assume is None:
            raise UserInputError(f"time {value.isoformat()} has no time zone")
        value = value.replace(tzinfo=zone(assume))
    return value.astimezone(UTC)


def zone(name: str) -> ZoneInfo:
    """Return the IANA zone called ``name`` or a clear error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a folder like 'America'
        raise UserInputError(f"unknown time zone {name!r} (use an IANA name like 'Europe/Berlin')") from exc


def to_zone(value: datetime | None, name: str) -> datetime | None:
    """Show a UTC time in the user's zone."""
    if value is None:
        return None
    return ensure_utc(value, "UTC").astimezone(zone(name))


def start_of_day(day: date) -> datetime:
    """Midnight UTC at the start of ``day``."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
