"""The default cadences: a 10-touch outbound sequence over about three weeks, and a slow nurture sequence."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.data.models.cadences import Sequence
from salesmind.engagement.cadences.building import create_sequence

OUTBOUND = "Outbound (default)"
NURTURE = "Nurture (default)"

#: (kind, wait_days after the previous touch, template, instructions): 8 emails, a call and a LinkedIn touch, 23 days.
OUTBOUND_STEPS: tuple[tuple[str, float, str | None, str | None], ...] = (
    ("email", 0, "intro", None),
    ("call", 1, None, "first call; leave a short voicemail that points to the email"),
    ("email", 1, "value", None),
    ("email", 2, "case_study", None),
    ("task", 1, None, "connect on LinkedIn with a one-line note (no pitch)"),
    ("email", 2, "content_share", None),
    ("email", 3, "pain_point", None),
    ("email", 3, "event_follow_up", None),
    ("email", 4, "meeting_ask", None),
    ("email", 6, "break_up", None),
)
NURTURE_STEPS: tuple[tuple[str, float, str | None, str | None], ...] = (
    ("email", 30, "content_share", None),
    ("email", 30, "case_study", None),
    ("email", 30, "value", None),
)


def _as_steps(rows: tuple[tuple[str, float, str | None, str | None], ...]) -> list[dict[str, Any]]:
    return [{"kind": k, "wait_days": w, "template": t, "instructions": i} for k, w, t, i in rows]


def ensure_default_sequences(session: Session) -> list[Sequence]:
    """Create the default outbound and nurture sequences when missing; returns both."""
    out = []
    for name, rows, description, settings in (
            (NURTURE, NURTURE_STEPS, "Monthly content for people who said not now.", {}),
            (OUTBOUND, OUTBOUND_STEPS, "Ten touches over three weeks: eight emails, a call and a LinkedIn touch.",
             {"nurture_sequence": NURTURE})):
        found = session.scalar(select(Sequence).where(Sequence.name == name))
        out.append(found or create_sequence(session, name, _as_steps(rows), description=description,
                                            settings=settings))
    return out[::-1]
