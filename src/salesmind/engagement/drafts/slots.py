"""The personalisation slots a draft template can use, each with the safe wording used when it is missing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Slot name -> (fallback when missing, what it holds). Optional slots fall back to an empty value so a
#: template can test them with ``{% if %}``; the others to wording that reads well in a sentence.
SLOTS: dict[str, tuple[Any, str]] = {
    "first_name": ("there", "the recipient's first name"),
    "company": ("your company", "the recipient's company"),
    "industry": ("B2B", "the company's industry"),
    "title": ("sales leader", "the recipient's job title"),
    "recent_activity": ("", "their latest visit, download, webinar or form, in words"),
    "last_content": ("", "the title of the last content asset they viewed"),
    "last_event": ("", "the last webinar or event they attended"),
    "recommended_content": ([], "content recommended for them (title, url, reasons)"),
    "pain_points": ([], "pain points they recorded in forms"),
    "rep_name": ("the sales team", "the owner's name"),
    "signature": ("The sales team", "the owner's signature"),
    "booking_link": ("", "the rep's booking page"),
}

#: Keys of ``form_answers`` that hold pain points, goals or use cases.
PAIN_KEYS = ("pain_points", "pain_point", "pains", "challenge", "challenges", "problem", "goal", "goals",
             "use_case", "use_cases")


@dataclass(frozen=True)
class Slots:
    """The known slot values of one recipient (a missing or empty value uses the slot's fallback)."""

    known: dict[str, Any] = field(default_factory=dict)
    recipient: str | None = None

    def __post_init__(self) -> None:
        unknown = set(self.known) - set(SLOTS)
        if unknown:
            raise ValueError(f"unknown slots {sorted(unknown)}")

    @staticmethod
    def names() -> list[str]:
        """Every slot name."""
        return list(SLOTS)

    def has(self, name: str) -> bool:
        """True when the slot has a real (non-empty) value."""
        value = self.known.get(name)
        return value is not None and value != "" and value != [] and value != ()

    def values(self) -> dict[str, Any]:
        """Every slot with its value or its fallback, ready for a template."""
        return {name: self.known[name] if self.has(name) else fallback for name, (fallback, _) in SLOTS.items()}


def pain_points(form_answers: dict[str, Any] | None) -> list[str]:
    """Pain points, goals and use cases recorded in a lead's form answers, in the form's order."""
    out: list[str] = []
    for key, value in (form_answers or {}).items():
        if str(key).strip().lower().replace(" ", "_") not in PAIN_KEYS or value in (None, ""):
            continue
        for item in value if isinstance(value, (list, tuple)) else [value]:
            text = str(item).strip()
            if text and text not in out:
                out.append(text)
    return out
