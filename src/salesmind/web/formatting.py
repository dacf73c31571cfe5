"""Jinja filters: money with its currency, times in the viewer's zone, labels from codes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from salesmind.core.errors import UserInputError
from salesmind.core.money import Money
from salesmind.core.timeutil import zone

DASH = "—"


def money(amount: Decimal | None, currency: str | None = "USD") -> str:
    """``12,500.00 EUR``, or a dash when there is no amount."""
    if amount is None:
        return DASH
    return str(Money(Decimal(amount), currency or "USD"))


def short_money(amount: Decimal | None, currency: str | None = "USD") -> str:
    """``12.5k EUR``: a compact amount for headline figures."""
    if amount is None:
        return DASH
    value = Decimal(amount)
    for limit, suffix in ((Decimal(1_000_000_000), "B"), (Decimal(1_000_000), "M"), (Decimal(1_000), "k")):
        if abs(value) >= limit:
            return f"{value / limit:,.1f}{suffix} {currency or 'USD'}"
    return f"{value:,.0f} {currency or 'USD'}"


def local_time(value: datetime | None, zone_name: str, fmt: str = "%d %b %Y, %H:%M") -> str:
    """A UTC time shown in ``zone_name`` with the zone's abbreviation; unknown zones fall back to UTC."""
    if value is None:
        return DASH
    shown = value.astimezone(safe_zone(zone_name))
    # The zone matters only when a clock time is shown.
    return f"{shown.strftime(fmt)} {shown.tzname()}" if "%H" in fmt else shown.strftime(fmt)


def safe_zone(name: str | None) -> ZoneInfo:
    """The IANA zone ``name``, or UTC when it is empty or unknown (a bad profile must not break pages)."""
    try:
        return zone(name or "UTC")
    except UserInputError:
        return zone("UTC")


def day(value: date | datetime | None) -> str:
    """``14 Mar 2025``."""
    if value is None:
        return DASH
    return value.strftime("%d %b %Y")


_SPECIAL_LABELS = {"vp": "VP", "c_level": "C-level", "it": "IT", "nps": "NPS"}


def label(code: Any) -> str:
    """``closed_won`` as ``Closed won`` (``vp`` as ``VP``)."""
    if code is None or code == "":
        return DASH
    raw = str(getattr(code, "value", code))
    if raw.lower() in _SPECIAL_LABELS:
        return _SPECIAL_LABELS[raw.lower()]
    text = raw.replace("_", " ")
    return text[:1].upper() + text[1:]


def yes_no(flag: bool | None) -> str:
    """``Yes``/``No``/dash."""
    return DASH if flag is None else ("Yes" if flag else "No")


_GROUPS = (("email_", "email"), ("call", "call"), ("meeting", "meeting"), ("web_", "web"), ("stage_", "stage"),
           ("form_", "marketing"), ("content_", "marketing"), ("webinar", "marketing"))


def activity_group(kind: str) -> str:
    """The colour family of a timeline entry: email, call, meeting, web, marketing, stage or other."""
    return next((group for prefix, group in _GROUPS if kind.startswith(prefix)), "other")


@pass_context
def _when(ctx: Context, value: datetime | None, fmt: str = "%d %b %Y, %H:%M") -> str:
    user = ctx.get("user")
    return local_time(value, getattr(user, "timezone", None) or "UTC", fmt)


def install(env: Environment) -> None:
    """Register the filters on a Jinja environment."""
    env.filters.update(money=money, short_money=short_money, when=_when, day=day, label=label, yes_no=yes_no,
                       activity_group=activity_group,
                       or_dash=lambda v: DASH if v is None or v == "" else v)
