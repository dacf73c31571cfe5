"""Handle one inbound submission end to end, in one transaction: lead, score, route, first reply, call task.

The first reply is queued in the outbox with ``send_after=now`` and the idempotency key
``inbound:{submission_id}:first-reply``; a worker (:func:`run_inbound_worker`) delivers it and
:func:`record_sent_replies` copies the server's acceptance time to the submission and to
``Lead.first_response_at``. A submission repeated with the same ``Idempotency-Key`` returns the
first one and queues nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.core.settings import Settings
from salesmind.data.models import InboundSubmission, Lead, ModelPrediction, RepCalendar, Task, User
from salesmind.data.models.outreach import OutboxMessage
from salesmind.engagement.drafts import Draft, Slots, TemplateLibrary
from salesmind.engagement.drafts.context import lead_slots
from salesmind.engagement.inbound.intake import CleanSubmission, upsert_lead, validate_submission
from salesmind.engagement.inbound.routing import RouteResult, route_lead
from salesmind.engagement.mail import enqueue
from salesmind.engagement.mail.outbox import on_behalf_of
from salesmind.engagement.mail.transport import Transport

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"
REPLY_TEMPLATE = "inbound_reply"
IDEMPOTENCY_FIELD = "_idempotency_key"
TOP_SHARE = 0.1  # the top decile of recent lead scores is hot too
RECENT_SCORES = 1000


def reply_key(submission_id: int) -> str:
    """The outbox idempotency key of a submission's first reply."""
    return f"inbound:{submission_id}:first-reply"


def form_key(settings: Settings) -> str:
    """The key in the public form's address (``SALESMIND_FORM_KEY``, else derived from the secret key)."""
    if settings.inbound.form_key:
        return settings.inbound.form_key
    return hmac.new(settings.secret_key.encode(), b"salesmind-inbound-form", hashlib.sha256).hexdigest()[:20]


@lru_cache(maxsize=1)
def reply_library() -> TemplateLibrary:
    """The drafts library with this package's first-reply template."""
    return TemplateLibrary(TEMPLATES)


@dataclass(frozen=True)
class Scored:
    """The lead's score (None when no lead model is trained) and whether it makes the lead hot."""

    probability: float | None
    hot: bool
    note: str


def score_lead(session: Session, lead: Lead, settings: Settings, now: datetime) -> Scored:
    """Score the lead with the current lead model and store the prediction; hot at the threshold or top decile."""
    from salesmind.scoring.rescoring import score_records

    try:
        found = score_records(session, "lead", [lead.id], now=now, models_dir=settings.models_dir)
    except (OSError, UserInputError) as exc:
        return Scored(None, False, f"not scored: {exc}")
    if not found:
        return Scored(None, False, "not scored: no lead model is trained")
    p = float(found[0].probability)
    if p >= settings.inbound.hot_lead_score:
        return Scored(p, True, f"hot: score {p:.2f} reaches {settings.inbound.hot_lead_score:.2f}")
    recent = select(ModelPrediction.probability).where(
        ModelPrediction.entity_type == "lead", ModelPrediction.model_name == found[0].model_name,
        ModelPrediction.model_version == str(found[0].model_version)).order_by(ModelPrediction.id.desc()).limit(RECENT_SCORES)
    scores = list(session.scalars(recent))
    above = sum(1 for s in scores if s > p)
    if len(scores) >= 10 and above < TOP_SHARE * len(scores):
        return Scored(p, True, f"hot: score {p:.2f} is in the top decile of the last {len(scores)} lead scores")
    return Scored(p, False, f"score {p:.2f}")


def find_repeat(session: Session, key: str, payload: Mapping[str, Any]) -> InboundSubmission | None:
    """The submission stored under this Idempotency-Key; a different payload under the same key is refused."""
    found = session.scalars(select(InboundSubmission)
                            .where(InboundSubmission.payload[IDEMPOTENCY_FIELD].as_string() == key)
                            .order_by(InboundSubmission.id)).first()
    if found is None:
        return None
    stored = {k: v for k, v in (found.payload or {}).items() if k != IDEMPOTENCY_FIELD}
    if stored != dict(payload):
        raise UserInputError(f"the Idempotency-Key {key!r} was already used for a different submission")
    return found


def _reply(session: Session, lead: Lead, rep: User | None, clean: CleanSubmission, settings: Settings,
           now: datetime) -> Draft:
    """The personalised first reply: their name, company and message, the rep and the rep's booking page."""
    slots = lead_slots(session, lead, now, None)
    known = dict(slots.known)
    if clean.message:
        known["recent_activity"] = f"“{clean.message.strip()[:1000]}”"
    if rep is not None:
        calendar = session.scalars(select(RepCalendar).where(RepCalendar.user_id == rep.id)).first()
        if calendar is not None:
            known["booking_link"] = f"{settings.mail.public_url}/book/{calendar.slug}"
    return reply_library().render(REPLY_TEMPLATE, Slots(known, recipient=lead.email))


def _queue_reply(session: Session, submission: InboundSubmission, lead: Lead, rep: User | None,
                 clean: CleanSubmission, settings: Settings, now: datetime) -> OutboxMessage:
    draft = _reply(session, lead, rep, clean, settings, now)
    from_address, headers = on_behalf_of(settings, rep)
    return enqueue(session, idempotency_key=reply_key(submission.id), to=clean.email, subject=draft.subject,
                   text=draft.text, html=draft.html, from_address=from_address,
                   user_id=rep.id if rep else None, lead_id=lead.id, send_after=now, kind="inbound_reply",
                   headers=headers or None,
                   details={"submission_id": submission.id, "template": REPLY_TEMPLATE,
                            "personalisation": draft.personalisation_elements}, settings=settings,
                   requested=True)  # the answer they asked for: no marketing consent needed


def _call_task(session: Session, lead: Lead, rep_id: int | None, scored: Scored, settings: Settings,
               now: datetime, submission_id: int) -> Task:
    who = lead.full_name + (f" ({lead.company})" if lead.company else "")
    task = Task(user_id=rep_id, kind="call", title=f"Call {who}: hot inbound lead"[:300], priority=1,
                due_at=now + timedelta(minutes=settings.inbound.reply_minutes), status="open", lead_id=lead.id,
                details={"submission_id": submission_id, "score": scored.probability, "why": scored.note},
                created_at=now)
    session.add(task)
    session.flush()
    return task


def _enrol(session: Session, lead: Lead, settings: Settings, now: datetime) -> str | None:
    """Enrol the lead in the sequence ``SALESMIND_INBOUND_SEQUENCE`` names, when set; a refusal (already enrolled,
    may not be emailed, no such sequence) is noted, never a reason to lose the lead."""
    if not settings.inbound.sequence:
        return None
    from salesmind.data.models import Sequence
    from salesmind.engagement.cadences.engine import enrol

    sequence = session.scalars(select(Sequence).where(Sequence.name == settings.inbound.sequence)).first()
    if sequence is None:
        log.warning("SALESMIND_INBOUND_SEQUENCE names %r, which is not a sequence", settings.inbound.sequence)
        return f"not enrolled: no sequence {settings.inbound.sequence!r}"
    try:
        with session.begin_nested():
            enrol(session, sequence_id=sequence.id, lead_id=lead.id, owner_id=lead.owner_id, now=now)
    except UserInputError as exc:
        return f"not enrolled: {exc}"
    return f"enrolled in {sequence.name}"


def submit(session: Session, payload: Mapping[str, Any], *, source: str | None, now: datetime, settings: Settings,
           idempotency_key: str | None = None) -> InboundSubmission:
    """Store one submission in ``session``: merge the lead, score, route, queue the reply, add a call task if hot."""
    if idempotency_key:
        repeat = find_repeat(session, idempotency_key, payload)
        if repeat is not None:
            return repeat
    clean = validate_submission(payload)
    lead, merged = upsert_lead(session, clean, source=source, now=now)
    scored = score_lead(session, lead, settings, now)
    route: RouteResult = route_lead(session, lead, budget=clean.budget)
    rep = session.get(User, route.user_id) if route.user_id is not None else None
    if rep is not None and lead.owner_id != rep.id:
        lead.owner_id, lead.owner = rep.id, rep
    stored = dict(payload) | ({IDEMPOTENCY_FIELD: idempotency_key} if idempotency_key else {})
    submission = InboundSubmission(received_at=now, source=(source or "form")[:120], payload=stored, lead_id=lead.id,
                                   merged=merged, routed_to_id=route.user_id, score=scored.probability,
                                   routing_reason=f"{route.reason} ({scored.note})"[:300])
    session.add(submission)
    session.flush()
    reply = _queue_reply(session, submission, lead, rep, clean, settings, now)
    submission.first_reply_id, submission.reply_queued_at = reply.id, now
    if scored.hot:
        submission.call_task_id = _call_task(session, lead, route.user_id, scored, settings, now, submission.id).id
    enrolled = _enrol(session, lead, settings, now)
    if enrolled:
        submission.routing_reason = f"{submission.routing_reason}; {enrolled}"[:300]
    session.flush()
    return submission


def handle_submission(database: Database, payload: Mapping[str, Any], *, source: str | None, now: datetime,
                      idempotency_key: str | None = None) -> InboundSubmission:
    """:func:`submit` in one transaction of ``database`` (all of it is stored, or nothing)."""
    with database.transaction() as session:
        return submit(session, payload, source=source, now=now, settings=database.settings,
                      idempotency_key=idempotency_key)


def record_sent_replies(session: Session) -> int:
    """Copy the send time of delivered first replies to their submission and to ``Lead.first_response_at``."""
    rows = session.execute(select(InboundSubmission, OutboxMessage.sent_at)
                           .join(OutboxMessage, OutboxMessage.id == InboundSubmission.first_reply_id)
                           .where(InboundSubmission.reply_sent_at.is_(None), OutboxMessage.status == "sent")).all()
    for submission, sent_at in rows:
        submission.reply_sent_at = sent_at
        lead = session.get(Lead, submission.lead_id) if submission.lead_id is not None else None
        if lead is not None and (lead.first_response_at is None or lead.first_response_at > sent_at):
            lead.first_response_at = sent_at
    session.flush()
    return len(rows)


def run_inbound_worker(database: Database, transport: Transport, stop_event: threading.Event,
                       interval_seconds: float = 5) -> None:
    """Until ``stop_event`` is set: deliver due outbox mail, then record sent first replies; every few seconds,
    or at once again while a full batch came back (a burst is drained without waiting between batches).
    The engagement worker without the cadence tick (:func:`salesmind.engagement.worker.run_engagement_worker`)."""
    from salesmind.engagement.worker import run_engagement_worker

    run_engagement_worker(database, transport, stop_event, interval_seconds, cadences=False)

