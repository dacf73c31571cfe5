"""What an experiment's arms are, per kind: subject lines, draft template names, or send-time windows.

A send-time arm is a named window (``morning`` 08:00-11:00, ``midday`` 11:00-14:00, ``afternoon``
14:00-17:00, ``evening`` 17:00-20:00) or an explicit ``HH:MM-HH:MM`` range, always in the recipient's
local time; it keeps the sequence's weekdays and replaces only its hours.
"""

from __future__ import annotations

from datetime import time

from salesmind.core.errors import UserInputError
from salesmind.core.settings import Settings
from salesmind.engagement.cadences.windows import SendWindow
from salesmind.engagement.drafts import template_library

KINDS = ("subject", "template", "send_time")
NAMED_WINDOWS: dict[str, tuple[time, time]] = {
    "morning": (time(8, 0), time(11, 0)),
    "midday": (time(11, 0), time(14, 0)),
    "afternoon": (time(14, 0), time(17, 0)),
    "evening": (time(17, 0), time(20, 0)),
}


def _clock(text: str, arm: str) -> time:
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        raise UserInputError(f"send-time arm {arm!r}: {text.strip()!r} is not a time of day (HH:MM)") from None


def window_hours(arm: str) -> tuple[time, time]:
    """The local opening and closing times of a send-time arm (a named window or ``HH:MM-HH:MM``)."""
    name = arm.strip().lower()
    if name in NAMED_WINDOWS:
        return NAMED_WINDOWS[name]
    if "-" not in name:
        raise UserInputError(f"send-time arm {arm!r} must be one of {', '.join(NAMED_WINDOWS)} "
                             "or a range HH:MM-HH:MM in the recipient's local time")
    start, end = (_clock(part, arm) for part in name.split("-", 1))
    if start >= end:
        raise UserInputError(f"send-time arm {arm!r}: the start must be before the end (same local day)")
    return start, end


def arm_window(arm: str, days: tuple[int, ...]) -> SendWindow:
    """The send window of a send-time arm on the sequence's weekdays ``days``."""
    start, end = window_hours(arm)
    return SendWindow(days=days, start=start, end=end)


def describe_arm(kind: str, arm: str) -> str | None:
    """A short description of an arm for reports (the local hours of a send-time arm), else None."""
    if kind != "send_time":
        return None
    start, end = window_hours(arm)
    return f"{start:%H:%M}-{end:%H:%M} recipient's local time"


def clean_arms(kind: str, arms: list[str], settings: Settings | None = None) -> list[str]:
    """The arms of an experiment of ``kind``, trimmed, checked and in canonical form (raises UserInputError)."""
    if kind not in KINDS:
        raise UserInputError(f"experiment kind must be one of {', '.join(KINDS)}, not {kind!r}")
    arms = [str(a).strip() for a in arms if str(a).strip()]
    if kind == "subject":
        if any(len(a) > 500 or "\n" in a or "\r" in a for a in arms):
            raise UserInputError("each arm is one subject line of at most 500 characters")
        return arms
    if kind == "template":
        library = template_library(settings or Settings.from_env())
        for arm in arms:
            library.file_for(arm)  # an unknown name is refused with the list of known ones
        return arms
    out = []
    for arm in arms:
        start, end = window_hours(arm)
        out.append(arm.lower() if arm.lower() in NAMED_WINDOWS else f"{start:%H:%M}-{end:%H:%M}")
    return out
