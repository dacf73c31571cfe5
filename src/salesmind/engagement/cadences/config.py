"""A sequence's settings (stored as JSON on the row), read once into a typed object with clear errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from salesmind.core.errors import UserInputError
from salesmind.engagement.cadences.windows import SendWindow, zone_named
from salesmind.engagement.mail.suppression import normalise_address

#: Touches one owner's enrolments may make per local day unless the sequence says otherwise.
DEFAULT_DAILY_LIMIT = 200
#: Days after which a sent email without a reply counts as a failure for its experiment.
DEFAULT_REWARD_DAYS = 7
#: Days an out-of-office reply without a readable return date pauses the enrolment.
DEFAULT_OOO_PAUSE_DAYS = 7
KNOWN_KEYS = frozenset({"send_window", "timezone", "daily_limit", "nurture_sequence", "reward_days", "from_address"})


@dataclass(frozen=True)
class CadenceSettings:
    """Send window, fallback time zone, per-owner daily cap, nurture sequence and reward horizon."""

    window: SendWindow = field(default_factory=SendWindow)
    timezone: str | None = None
    daily_limit: int = DEFAULT_DAILY_LIMIT
    nurture_sequence: str | None = None
    reward_days: int = DEFAULT_REWARD_DAYS
    from_address: str | None = None

    @classmethod
    def parse(cls, raw: dict[str, Any] | None) -> CadenceSettings:
        """Validate a settings mapping (unknown keys, a bad zone or a bad number are refused by name)."""
        raw = raw or {}
        if not isinstance(raw, dict):
            raise UserInputError("sequence settings must be a mapping")
        unknown = sorted(set(raw) - KNOWN_KEYS)
        if unknown:
            raise UserInputError(f"unknown sequence setting(s) {unknown}; known: {sorted(KNOWN_KEYS)}")
        zone = raw.get("timezone")
        if zone is not None and zone_named(zone) is None:
            raise UserInputError(f"sequence setting timezone {zone!r} is not an IANA time zone (e.g. Europe/Berlin)")
        return cls(window=SendWindow.from_settings(raw), timezone=zone,
                   daily_limit=_positive(raw.get("daily_limit", DEFAULT_DAILY_LIMIT), "daily_limit"),
                   nurture_sequence=(str(raw["nurture_sequence"]) if raw.get("nurture_sequence") else None),
                   reward_days=_positive(raw.get("reward_days", DEFAULT_REWARD_DAYS), "reward_days"),
                   from_address=normalise_address(str(raw["from_address"])) if raw.get("from_address") else None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON stored on the sequence row."""
        out: dict[str, Any] = {"send_window": self.window.to_settings(), "daily_limit": self.daily_limit,
                               "reward_days": self.reward_days}
        for key in ("timezone", "nurture_sequence", "from_address"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


def _positive(value: Any, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise UserInputError(f"sequence setting {name} must be a whole number, got {value!r}") from None
    if number < 1:
        raise UserInputError(f"sequence setting {name} must be at least 1, got {number}")
    return number
