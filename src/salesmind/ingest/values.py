"""Cell converters: text (or an already typed value) to the Python value a field stores.

Every converter raises ``ValueError`` with a short reason a user can act on; the caller
turns that into a :class:`~salesmind.core.errors.RowIssue` naming the line and column.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Sequence

from salesmind.core.money import parse_amount
from salesmind.core.timeutil import UTC, zone

#: Formats tried after ISO 8601 when a mapping names none (US order first: Salesforce, HubSpot).
DEFAULT_DATE_FORMATS = (
    "%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y", "%Y/%m/%d", "%d-%b-%Y", "%b %d, %Y",
)
DEFAULT_DATETIME_FORMATS = (
    "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y, %I:%M %p",
    "%m/%d/%y %H:%M", "%m/%d/%y %I:%M %p", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S",
    "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S",
)
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t", "x", "checked", "on", "ja", "oui", "si"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f", "", "unchecked", "off", "nein", "non"})
_CURRENCY = re.compile(r"[A-Za-z]{3}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_DOMAIN = re.compile(r"^(?:[a-z]+://)?(?:www\.)?([^/:?#\s]+).*$", re.IGNORECASE)


@dataclass(frozen=True)
class ParseContext:
    """How to read dates and times of one file: its formats and the zone of naive times."""

    timezone: str = "UTC"
    date_formats: Sequence[str] = field(default_factory=tuple)
    day_first: bool = False


def is_blank(value: object) -> bool:
    """True for None, empty or whitespace-only text."""
    return value is None or (isinstance(value, str) and not value.strip())


def to_text(value: object, ctx: ParseContext) -> str:
    """Text, stripped; numbers from spreadsheets lose a trailing ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value).strip()


def to_int(value: object, ctx: ParseContext) -> int:
    """A whole number: ``'1,200'``, ``1200.0`` and ``' 12 '`` are accepted."""
    if isinstance(value, bool):
        raise ValueError("not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("not a whole number")
        return int(value)
    raw = re.sub(r"[\s,_']", "", str(value))
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ValueError("not a whole number") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError("not a whole number")
    return int(number)


def to_float(value: object, ctx: ParseContext) -> float:
    """A number such as a duration or a usage count."""
    if isinstance(value, bool):
        raise ValueError("not a number")
    try:
        number = float(str(value).replace(",", "").strip()) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        raise ValueError("not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return number


def to_money(value: object, ctx: ParseContext) -> tuple[Decimal, str | None]:
    """An exact amount and the currency written beside it (``'$1,200'``, ``'EUR 99.50'``)."""
    return parse_amount(value)


def to_percent(value: object, ctx: ParseContext) -> Decimal:
    """A percentage such as ``'15%'`` or ``15`` (kept as 15, not 0.15)."""
    raw = value if isinstance(value, (int, float, Decimal)) else str(value).replace("%", "")
    amount, _ = parse_amount(raw)
    return amount


def to_currency(value: object, ctx: ParseContext) -> str:
    """A three-letter ISO 4217 code, upper case."""
    raw = str(value).strip()
    if not _CURRENCY.fullmatch(raw):
        raise ValueError("not a three-letter currency code such as USD or EUR")
    return raw.upper()


def to_bool(value: object, ctx: ParseContext) -> bool:
    """Yes/No, True/False, 1/0, checked/unchecked (case-insensitive)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("not a yes/no value (use Yes/No, True/False or 1/0)")


def to_email(value: object, ctx: ParseContext) -> str:
    """An email address, lower-cased so that matching ignores case."""
    raw = str(value).strip().lower()
    if raw.startswith("mailto:"):
        raw = raw[len("mailto:"):]
    if not _EMAIL.fullmatch(raw):
        raise ValueError("not an email address")
    return raw


def to_domain(value: object, ctx: ParseContext) -> str:
    """A bare domain from a domain or website (``'https://www.acme.com/x'`` -> ``'acme.com'``)."""
    match = _DOMAIN.match(str(value).strip())
    host = match.group(1).lower().rstrip(".") if match else ""
    if "." not in host or " " in host:
        raise ValueError("not a domain or website address")
    return host


def to_json(value: object, ctx: ParseContext) -> Any:
    """A JSON object or list (text is parsed)."""
    if isinstance(value, (dict, list)):
        return value
    try:
        parsed = json.loads(str(value))
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg})") from None
    if not isinstance(parsed, (dict, list)):
        raise ValueError("not a JSON object or list")
    return parsed


def to_date(value: object, ctx: ParseContext) -> date:
    """A calendar date in ISO form or one of the mapping's formats (a time, if written, is dropped)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = str(value).strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    parsed = _strptime(raw, ctx, date_only=True)
    if parsed is None and _looks_like_datetime(raw):
        parsed = _parse_written_time(raw, ctx)  # the date as written, before any zone conversion
    return parsed.date() if parsed is not None else _bad_date(raw, ctx)


def to_datetime(value: object, ctx: ParseContext) -> datetime:
    """A timezone-aware UTC time; a time without zone is read in ``ctx.timezone``."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    else:
        raw = str(value).strip()
        found = _parse_written_time(raw, ctx) or _strptime(raw, ctx, date_only=True)
        parsed = found if found is not None else _bad_date(raw, ctx)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone(ctx.timezone))
    return parsed.astimezone(UTC)


def _parse_written_time(raw: str, ctx: ParseContext) -> datetime | None:
    """ISO 8601 (``Z`` allowed) or one of the date-time formats; naive unless the text has an offset."""
    try:
        return datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith("Z") else raw)
    except ValueError:
        return _strptime(raw, ctx, date_only=False)


def _looks_like_datetime(raw: str) -> bool:
    return ":" in raw


def _strptime(raw: str, ctx: ParseContext, *, date_only: bool) -> datetime | None:
    formats = list(ctx.date_formats)
    if not formats:
        formats = list(DEFAULT_DATE_FORMATS if date_only else DEFAULT_DATETIME_FORMATS)
        if ctx.day_first:
            formats = [f.replace("%m/%d", "%d/%m") for f in formats]
    for fmt in formats:
        try:
            return datetime.strptime(raw, fmt)
        except ValueError:
            continue
    return None


def _bad_date(raw: str, ctx: ParseContext) -> Any:
    shown = ", ".join(ctx.date_formats) if ctx.date_formats else "YYYY-MM-DD or M/D/YYYY"
    raise ValueError(f"not a date or time (expected {shown})")


def enum_converter(kind: type[enum.Enum]) -> Callable[[object, ParseContext], enum.Enum]:
    """A converter accepting an enumeration's values, case- and separator-insensitively."""
    by_key = {_enum_key(m.value): m for m in kind}

    def convert(value: object, ctx: ParseContext) -> enum.Enum:
        if isinstance(value, kind):
            return value
        found = by_key.get(_enum_key(str(value)))
        if found is None:
            allowed = ", ".join(m.value for m in kind)
            raise ValueError(f"not one of: {allowed}")
        return found

    return convert


def _enum_key(text: str) -> str:
    return re.sub(r"[\s\-_/]+", "_", text.strip().lower())


def value_key(text: object) -> str:
    """How a mapping's value table matches a cell: case, spaces and punctuation ignored."""
    return re.sub(r"[^0-9a-z]+", "", str(text).lower())
