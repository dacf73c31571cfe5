"""The default cadences: a 10-touch outbound sequence over about three weeks, and a slow nurture sequence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.core.timeutil import utcnow
from salesmind.data.models import Lead, LeadStatus
from salesmind.data.models.cadences import Enrolment, Sequence, SequenceStep
from salesmind.engagement.cadences.building import create_sequence
from salesmind.engagement.cadences.engine import enrol, tick
from salesmind.engagement.cadences.experiments import create_experiment, running_experiment

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


DEMO_SUBJECTS = ("{first_name}, a question about {company}", "Forecasts {company} can trust",
                 "Quick idea for {company}")


def seed_demo_cadences(database: Database, *, sample: int = 60, now: datetime | None = None) -> int:
    """The default sequences, a subject experiment on the first email, and up to ``sample`` new or working
    consenting leads enrolled and ticked once (their first emails wait in the outbox); returns how many were enrolled."""
    now = now or utcnow()
    with database.transaction() as session:
        outbound, _ = ensure_default_sequences(session)
        first_email = session.scalar(select(SequenceStep).where(SequenceStep.sequence_id == outbound.id,
                                                                SequenceStep.kind == "email")
                                     .order_by(SequenceStep.position))
        if first_email is not None and running_experiment(session, first_email.id) is None:
            create_experiment(session, step_id=first_email.id, arms=list(DEMO_SUBJECTS), control_share=0.1,
                              min_samples=30, segment_by="industry", name="Outbound: first subject line")
        enrolled = select(Enrolment.lead_id).where(Enrolment.lead_id.is_not(None))
        leads = session.scalars(select(Lead.id).where(Lead.status.in_((LeadStatus.NEW, LeadStatus.WORKING)), Lead.consent_email.is_(True),
                                                      Lead.do_not_contact.is_(False), Lead.email.is_not(None),
                                                      Lead.owner_id.is_not(None), Lead.id.not_in(enrolled))
                                .order_by(Lead.created_at.desc(), Lead.id.desc()).limit(sample)).all()
        count = 0
        for lead_id in leads:
            try:
                with session.begin_nested():
                    enrol(session, sequence_id=outbound.id, lead_id=lead_id, now=now)
                count += 1
            except UserInputError:  # suppressed addresses and the like: skipped, as a rep would
                continue
    tick(database, now, rng=np.random.default_rng(0))
    return count
