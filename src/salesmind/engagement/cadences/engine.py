"""The cadence engine: enrol people in sequences and, on each tick, run the steps that are due.

Each due enrolment is handled in its own transaction: the stop rules are checked first (see
:mod:`stops`), then the step runs (an email queued in the outbox under the key
``enrolment:{id}:step:{position}``, or a task for the owner), its :class:`Touch` is recorded
(unique per enrolment and position) and the enrolment advances. Queueing and recording commit
together, so a tick killed between them leaves nothing behind, and a second tick at the same
moment finds the step done (or, racing, hits the unique touch and rolls back): a step never runs
twice and no message is queued twice. Sending is the outbox's job (``salesmind mail send-due``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from salesmind.core.db import Database
from salesmind.core.errors import NotFound, UserInputError
from salesmind.core.settings import Settings
from salesmind.core.timeutil import utcnow
from salesmind.data.models import Contact, Lead, User
from salesmind.data.models.cadences import Enrolment, Sequence, SequenceStep, Task, Touch
from salesmind.engagement.cadences.arms import arm_window
from salesmind.engagement.cadences.config import CadenceSettings
from salesmind.engagement.cadences.experiments import (
    choose_arm,
    running_experiments,
    settle_outcomes,
)
from salesmind.engagement.cadences.messages import Drafter, fill_subject
from salesmind.engagement.cadences.stops import (
    Decision,
    Person,
    display_name,
    person_of,
    stop_decision,
)
from salesmind.engagement.cadences.windows import (
    first_zone,
    next_send_moment,
    start_of_local_day,
    step_due,
)
from salesmind.engagement.mail.outbox import enqueue, on_behalf_of
from salesmind.engagement.mail.suppression import refusal_reason

OPEN_STATUSES = ("active", "paused")


@dataclass
class TickCounts:
    """What one :func:`tick` did."""

    due: int = 0
    emails: int = 0
    suppressed: int = 0
    tasks: int = 0
    paused: int = 0
    resumed: int = 0
    finished: int = 0
    capped: int = 0
    settled: int = 0
    stopped: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready counts."""
        return asdict(self)

    def add(self, other: TickCounts) -> None:
        """Add the counts of one committed enrolment to these."""
        for name, value in asdict(other).items():
            if isinstance(value, int):
                setattr(self, name, getattr(self, name) + value)
        for reason, n in other.stopped.items():
            self.stopped[reason] = self.stopped.get(reason, 0) + n
        self.errors.extend(other.errors)


def steps_of(session: Session, sequence_id: int) -> list[SequenceStep]:
    """A sequence's steps in order."""
    return list(session.scalars(select(SequenceStep).where(SequenceStep.sequence_id == sequence_id)
                                .order_by(SequenceStep.position)))


def zone_for(session: Session, person: Person | None, cfg: CadenceSettings, owner_id: int | None) -> Any:
    """The zone of a person's business hours: theirs, else the sequence's, else the owner's, else UTC."""
    owner = session.get(User, owner_id) if owner_id is not None else None
    return first_zone(getattr(person, "timezone", None), cfg.timezone, owner.timezone if owner else None)


def enrol(session: Session, *, sequence_id: int, lead_id: int | None = None, contact_id: int | None = None,
          owner_id: int | None = None, now: datetime | None = None) -> Enrolment:
    """Enrol one lead or contact; refuses a second open enrolment in the sequence and people who may not be
    emailed when the sequence has email steps. The owner defaults to the person's owner."""
    now = now or utcnow()
    if (lead_id is None) == (contact_id is None):
        raise UserInputError("enrol exactly one of a lead or a contact")
    sequence = session.get(Sequence, sequence_id)
    if sequence is None:
        raise NotFound(f"no sequence {sequence_id}")
    if not sequence.is_active:
        raise UserInputError(f"sequence {sequence.name!r} is not active")
    steps = steps_of(session, sequence_id)
    if not steps:
        raise UserInputError(f"sequence {sequence.name!r} has no steps yet")
    person: Person | None = session.get(Lead, lead_id) if lead_id is not None else session.get(Contact, contact_id)
    what = f"lead {lead_id}" if lead_id is not None else f"contact {contact_id}"
    if person is None:
        raise NotFound(f"{what} does not exist")
    same = Enrolment.lead_id == lead_id if lead_id is not None else Enrolment.contact_id == contact_id
    if session.scalar(select(Enrolment.id).where(Enrolment.sequence_id == sequence_id, same,
                                                 Enrolment.status.in_(OPEN_STATUSES))) is not None:
        raise UserInputError(f"{what} is already enrolled in {sequence.name!r}")
    if any(s.kind == "email" for s in steps):
        if not person.email:
            raise UserInputError(f"{what} has no email address and {sequence.name!r} sends emails")
        refused = refusal_reason(session, person.email, person)
        if refused:
            raise UserInputError(f"{what} may not be emailed ({refused}); {sequence.name!r} sends emails")
    cfg = CadenceSettings.parse(sequence.settings)
    owner_id = owner_id if owner_id is not None else person.owner_id
    zone = zone_for(session, person, cfg, owner_id)
    first_due = next_send_moment(step_due(now, steps[0].wait_days), zone, cfg.window)
    row = Enrolment(sequence_id=sequence_id, lead_id=lead_id, contact_id=contact_id, owner_id=owner_id,
                    enrolled_at=now, status="active", position=0, next_due_at=first_due, details={"zone": str(zone)})
    session.add(row)
    session.flush()
    return row


def tick(database: Database, now: datetime | None = None, *, limit: int = 500,
         rng: np.random.Generator | None = None, settings: Settings | None = None) -> TickCounts:
    """Settle outcomes of sent emails, then handle up to ``limit`` due enrolments, each in its own transaction."""
    now = now or utcnow()
    rng = rng if rng is not None else np.random.default_rng()
    settings = settings or database.settings
    counts = TickCounts()
    with database.transaction() as session:
        counts.settled = settle_outcomes(session, now)
        due = or_((Enrolment.status == "active") & (Enrolment.next_due_at <= now),
                  (Enrolment.status == "paused") & (Enrolment.paused_until <= now))
        ids = list(session.scalars(select(Enrolment.id).where(due).order_by(Enrolment.next_due_at, Enrolment.id)
                                   .limit(limit)))
    drafter = Drafter(settings, now)
    for enrolment_id in ids:
        try:
            with database.transaction() as session:
                done = TickCounts()  # counted only once its transaction commits
                _advance(session, enrolment_id, now, done, rng, settings, drafter)
            counts.add(done)
        except IntegrityError:  # another tick recorded this touch first: nothing was queued twice
            counts.errors.append(f"enrolment {enrolment_id}: step already run by another tick")
        except UserInputError as exc:  # a broken template or setting: stop this enrolment, say why
            counts.errors.append(f"enrolment {enrolment_id}: {exc}")
            with database.transaction() as session:
                row = session.get(Enrolment, enrolment_id)
                if row is not None:
                    stop_enrolment(row, "error", now, {"error": str(exc)[:500]})
                    counts.stopped["error"] = counts.stopped.get("error", 0) + 1
    return counts


def _advance(session: Session, enrolment_id: int, now: datetime, counts: TickCounts, rng: np.random.Generator,
             settings: Settings, drafter: Drafter) -> None:
    """Check the stop rules for one due enrolment, then run its step (everything in the caller's transaction)."""
    # Write first: on SQLite this takes the database write lock (FOR UPDATE is ignored there) and opens the
    # transaction, so the outbox's SAVEPOINT later is nested in it (pysqlite would otherwise let the first
    # SAVEPOINT start, and its RELEASE commit, a transaction of its own: a queued email without its touch).
    session.execute(update(Enrolment).where(Enrolment.id == enrolment_id).values(position=Enrolment.position))
    enrolment = session.get(Enrolment, enrolment_id, with_for_update=True, populate_existing=True)
    if enrolment is None:
        return
    if enrolment.status == "paused" and enrolment.paused_until is not None and enrolment.paused_until <= now:
        enrolment.status, enrolment.paused_until = "active", None
        counts.resumed += 1
    if enrolment.status != "active" or enrolment.next_due_at is None or enrolment.next_due_at > now:
        return
    counts.due += 1
    sequence = session.get(Sequence, enrolment.sequence_id)
    assert sequence is not None
    cfg = CadenceSettings.parse(sequence.settings)
    steps = steps_of(session, sequence.id)
    person = person_of(session, enrolment)
    zone = zone_for(session, person, cfg, enrolment.owner_id)
    remaining = steps[enrolment.position:]
    if not remaining:
        enrolment.status, enrolment.next_due_at = "finished", None
        counts.finished += 1
        return
    decision = stop_decision(session, enrolment, person, zone=zone, window=cfg.window,
                             needs_email=any(s.kind == "email" for s in remaining), now=now)
    if decision is not None:
        apply_decision(session, enrolment, person, decision, now, counts)
        return
    if _over_daily_limit(session, enrolment, cfg, now):
        owner_zone = zone_for(session, None, CadenceSettings(), enrolment.owner_id)
        tomorrow = start_of_local_day(now, owner_zone) + timedelta(days=1)
        enrolment.next_due_at = next_send_moment(tomorrow, zone, cfg.window)
        counts.capped += 1
        return
    step = remaining[0]
    moment = next_send_moment(max(enrolment.next_due_at, now), zone, cfg.window)
    moment = _run_step(session, enrolment, step, person, moment, now, cfg, counts, rng, settings, drafter).due_at
    enrolment.position += 1
    if enrolment.position >= len(steps):
        enrolment.status, enrolment.next_due_at = "finished", None
        counts.finished += 1
    else:
        enrolment.next_due_at = next_send_moment(step_due(moment, steps[enrolment.position].wait_days), zone,
                                                 cfg.window)


def _over_daily_limit(session: Session, enrolment: Enrolment, cfg: CadenceSettings, now: datetime) -> bool:
    """True when the owner's enrolments already made ``daily_limit`` touches today (the owner's local day)."""
    if enrolment.owner_id is None:
        return False
    day_start = start_of_local_day(now, zone_for(session, None, CadenceSettings(), enrolment.owner_id))
    made = session.scalar(select(func.count()).select_from(Touch).join(Enrolment, Touch.enrolment_id == Enrolment.id)
                          .where(Enrolment.owner_id == enrolment.owner_id, Touch.done_at >= day_start)) or 0
    return made >= cfg.daily_limit


def _run_step(session: Session, enrolment: Enrolment, step: SequenceStep, person: Person | None, moment: datetime,
              now: datetime, cfg: CadenceSettings, counts: TickCounts, rng: np.random.Generator, settings: Settings,
              drafter: Drafter) -> Touch:
    """Queue the step's email (or create its task) and record the touch (due when the email is to go out)."""
    touch = Touch(enrolment_id=enrolment.id, step_id=step.id, position=enrolment.position, kind=step.kind,
                  due_at=moment, done_at=now, status="task")
    name = display_name(person)
    if step.kind == "email":
        if person is None or not step.template:
            raise UserInputError(f"step {step.position} of sequence {enrolment.sequence_id} has no template")
        running = running_experiments(session, step.id)
        if step.manual:  # the rep sends a manual email when they complete its task: no send time to test
            running.pop("send_time", None)
        picks = {kind: choose_arm(experiment, person, rng) for kind, experiment in sorted(running.items())}
        record = {"experiments": {kind: {"id": running[kind].id, "arm": arm} for kind, arm in picks.items()}}
        template = picks.get("template", step.template)
        if "send_time" in picks:
            zone = zone_for(session, person, cfg, enrolment.owner_id)
            moment = touch.due_at = next_send_moment(moment, zone, arm_window(picks["send_time"], cfg.window.days))
        draft = drafter.render(session, template, person)
        subject, touch.variant = _subject(step, enrolment, person, draft.subject, picks.get("subject"))
        if step.manual:
            task = _task(session, enrolment, "email", f"Review and send: {subject}", moment, 2, step,
                         {"subject": subject, "text": draft.text, "html": draft.html, "template": template,
                          "idempotency_key": _key(enrolment), **record})
            touch.task_id = task.id
            counts.tasks += 1
        else:
            owner = session.get(User, enrolment.owner_id) if enrolment.owner_id is not None else None
            sender, headers = on_behalf_of(settings, owner, cfg.from_address)
            message = enqueue(session, idempotency_key=_key(enrolment), to=person.email or "", subject=subject,
                              text=draft.text, html=draft.html, from_address=sender, headers=headers,
                              user_id=enrolment.owner_id, lead_id=enrolment.lead_id, contact_id=enrolment.contact_id,
                              send_after=moment,
                              details={"enrolment_id": enrolment.id, "step_id": step.id, **record},
                              settings=settings)
            touch.outbox_message_id, touch.status = message.id, message.status
            if message.status == "suppressed":
                counts.suppressed += 1
            else:
                counts.emails += 1
    else:
        default = f"Call {name}" if step.kind == "call" else f"Follow up with {name}"
        title = f"{default}: {step.instructions}" if step.instructions else default
        task = _task(session, enrolment, step.kind, title[:300], moment, 2 if step.kind == "call" else 1, step, None)
        touch.task_id = task.id
        counts.tasks += 1
    session.add(touch)
    session.flush()  # the unique (enrolment, position) refuses a second run of this step
    return touch


def _key(enrolment: Enrolment) -> str:
    return f"enrolment:{enrolment.id}:step:{enrolment.position}"


def _subject(step: SequenceStep, enrolment: Enrolment, person: Person, drafted: str,
             arm: str | None) -> tuple[str, str | None]:
    """The subject line and the variant it came from: the arm of the step's subject experiment, else its
    variants in turn, else the (chosen) template's subject."""
    if arm is not None:
        return fill_subject(arm, person), arm
    variants = [str(v) for v in (step.subject_variants or []) if str(v).strip()]
    if variants:
        arm = variants[enrolment.id % len(variants)]
        return fill_subject(arm, person), arm
    return drafted, None


def _task(session: Session, enrolment: Enrolment, kind: str, title: str, due: datetime, priority: int,
          step: SequenceStep | None, details: dict[str, Any] | None) -> Task:
    task = Task(user_id=enrolment.owner_id, kind=kind, title=title, priority=priority, due_at=due, status="open",
                lead_id=enrolment.lead_id, contact_id=enrolment.contact_id, enrolment_id=enrolment.id,
                details={**(details or {}), **({"step_id": step.id} if step else {})})
    session.add(task)
    session.flush()
    return task


def stop_enrolment(enrolment: Enrolment, reason: str, now: datetime, details: dict[str, Any] | None = None) -> None:
    """Stop an enrolment now with a reason (and details kept on the row)."""
    enrolment.status, enrolment.stopped_reason, enrolment.stopped_at = "stopped", reason[:64], now
    enrolment.next_due_at = enrolment.paused_until = None
    if details:
        enrolment.details = {**(enrolment.details or {}), **details}


def apply_decision(session: Session, enrolment: Enrolment, person: Person | None, decision: Decision,
                   now: datetime, counts: TickCounts | None = None) -> None:
    """Stop or pause an enrolment as decided, create the owner's task and enrol in nurture when asked."""
    if decision.action == "pause":
        enrolment.status, enrolment.paused_until = "paused", decision.until
        enrolment.next_due_at = max(enrolment.next_due_at or now, decision.until or now)
        enrolment.details = {**(enrolment.details or {}), "paused": decision.details}
        if counts is not None:
            counts.paused += 1
        return
    stop_enrolment(enrolment, decision.reason, now, {"stop": decision.details} if decision.details else None)
    if counts is not None:
        counts.stopped[decision.reason] = counts.stopped.get(decision.reason, 0) + 1
    if decision.task_title:
        _task(session, enrolment, decision.task_kind or "task", decision.task_title[:300], now,
              decision.priority, None, decision.details)
    if decision.nurture:
        _enrol_in_nurture(session, enrolment, now)


def _enrol_in_nurture(session: Session, enrolment: Enrolment, now: datetime) -> None:
    sequence = session.get(Sequence, enrolment.sequence_id)
    name = CadenceSettings.parse(sequence.settings if sequence else None).nurture_sequence
    if not name:
        return
    target = session.scalar(select(Sequence).where(or_(Sequence.name == name,
                                                       Sequence.id == (int(name) if name.isdigit() else -1))))
    if target is None or target.id == enrolment.sequence_id:
        return
    try:
        with session.begin_nested():
            row = enrol(session, sequence_id=target.id, lead_id=enrolment.lead_id, contact_id=enrolment.contact_id,
                        owner_id=enrolment.owner_id, now=now)
        enrolment.details = {**(enrolment.details or {}), "nurture_enrolment_id": row.id}
    except UserInputError as exc:  # already in nurture, or may no longer be emailed: the stop stands
        enrolment.details = {**(enrolment.details or {}), "nurture_refused": str(exc)[:300]}
