"""Experiments on sequence steps: choose an arm with the step's bandit, learn from replies.

An email step may run one experiment of each kind at once: ``subject`` (subject lines), ``template``
(which draft template is rendered) and ``send_time`` (the local window the email goes out in); see
:mod:`arms`. An :class:`Experiment` row holds a :class:`ThompsonBandit`'s JSON state. Choosing reads
it (no write); the arms a touch used are kept in its outbox message's details
(``{"experiments": {kind: {"id": experiment id, "arm": arm}}}``, :func:`chosen`). Outcomes are settled
later by :func:`settle_outcomes`: a sent email that got a reply (a message threaded to it, or any
inbound message from the person before the next touch) is a success for every experiment the touch
took part in; one with no reply after the sequence's ``reward_days`` is a failure. Each settled touch
updates each of its experiments once (its ``outcome`` is set in the same transaction).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from salesmind.core.errors import NotFound, UserInputError
from salesmind.core.settings import Settings
from salesmind.data.models import Direction, EmailMessage
from salesmind.data.models.cadences import Enrolment, Experiment, Sequence, SequenceStep, Touch
from salesmind.data.models.outreach import OutboxMessage
from salesmind.engagement.bandits import ThompsonBandit
from salesmind.engagement.cadences.arms import clean_arms
from salesmind.engagement.cadences.config import CadenceSettings
from salesmind.engagement.cadences.stops import Person, person_of

SEGMENT_FIELDS = ("industry", "seniority", "country", "region", "source")


def create_experiment(session: Session, *, step_id: int, arms: list[str], kind: str = "subject",
                      control_arm: str | None = None, control_share: float = 0.1, min_samples: int = 30,
                      segment_by: str | None = None, name: str | None = None,
                      settings: Settings | None = None) -> Experiment:
    """Start an experiment of ``kind`` (subject, template or send_time) on an email step; the first arm is the
    control unless named. Template arms must be names the draft library knows (``settings`` choose it)."""
    step = session.get(SequenceStep, step_id)
    if step is None:
        raise NotFound(f"no sequence step {step_id}")
    if step.kind != "email":
        raise UserInputError(f"step {step_id} is a {step.kind} step: experiments run on email steps")
    arms = clean_arms(kind, arms, settings)
    if kind == "send_time" and step.manual:
        raise UserInputError(f"step {step_id} is a manual email, sent when the rep completes its task: "
                             "it cannot test send times")
    if control_arm is not None and kind != "subject":
        control_arm = clean_arms(kind, [control_arm], settings)[0] if str(control_arm).strip() else None
    control_arm = control_arm or (arms[0] if arms else None)
    if segment_by is not None and segment_by not in SEGMENT_FIELDS:
        raise UserInputError(f"segment_by must be one of {', '.join(SEGMENT_FIELDS)}, not {segment_by!r}")
    if running_experiment(session, step_id, kind) is not None:
        raise UserInputError(f"step {step_id} already has a running {kind} experiment; stop it first")
    bandit = ThompsonBandit(arms, control=control_arm, control_share=control_share, min_sends=min_samples).fit()
    label = {"subject": "subjects", "template": "templates", "send_time": "send times"}[kind]
    row = Experiment(name=name or f"step {step_id} {label}", kind=kind, step_id=step_id, arms=arms,
                     control_arm=control_arm, control_share=control_share, min_samples=min_samples,
                     segment_by=segment_by, state=bandit.to_dict())
    if session.scalar(select(Experiment.id).where(Experiment.name == row.name)) is not None:
        raise UserInputError(f"an experiment named {row.name!r} exists already")
    session.add(row)
    session.flush()
    return row


def stop_experiment(session: Session, experiment_id: int) -> Experiment:
    """Stop a running experiment: its state stays as it is (the report keeps its result), the step's next
    sends no longer use it, and a new experiment of its kind may start on the step."""
    experiment = session.get(Experiment, experiment_id)
    if experiment is None:
        raise NotFound(f"no experiment {experiment_id}")
    if experiment.status != "running":
        raise UserInputError(f"experiment {experiment_id} is already {experiment.status}")
    experiment.status = "stopped"
    session.flush()
    return experiment


def running_experiment(session: Session, step_id: int, kind: str = "subject") -> Experiment | None:
    """The running experiment of ``kind`` on a step, if any."""
    return session.scalars(select(Experiment).where(Experiment.step_id == step_id, Experiment.kind == kind,
                                                    Experiment.status == "running")
                           .order_by(Experiment.id.desc())).first()


def running_experiments(session: Session, step_id: int) -> dict[str, Experiment]:
    """The running experiments of a step by kind."""
    rows = session.scalars(select(Experiment).where(Experiment.step_id == step_id, Experiment.status == "running")
                           .order_by(Experiment.id))
    return {row.kind: row for row in rows}  # the newest of a kind wins (create_experiment allows one)


def chosen(message: OutboxMessage | None) -> dict[str, dict[str, Any]]:
    """The arms an outbox message's touch used, by kind: ``{kind: {"id": experiment id, "arm": arm}}``."""
    found = ((message.details or {}) if message is not None else {}).get("experiments")
    return found if isinstance(found, dict) else {}


def bandit_of(experiment: Experiment) -> ThompsonBandit:
    """The experiment's bandit, restored from its state."""
    if experiment.state:
        return ThompsonBandit.from_dict(experiment.state)
    return ThompsonBandit(list(experiment.arms), control=experiment.control_arm,
                          control_share=experiment.control_share, min_sends=experiment.min_samples).fit()


def segment_of(experiment: Experiment, person: Person | None) -> str | None:
    """The person's segment for this experiment (None: pooled)."""
    if not experiment.segment_by or person is None:
        return None
    value: Any = getattr(person, experiment.segment_by, None)
    value = getattr(value, "value", value)
    return str(value) if value not in (None, "") else "unknown"


def choose_arm(experiment: Experiment, person: Person | None, rng: np.random.Generator) -> str:
    """The subject line to send next to ``person``."""
    return bandit_of(experiment).choose(segment_of(experiment, person), rng)


def _reply_to(session: Session, touch: Touch, message: OutboxMessage, enrolment: Enrolment) -> bool:
    """True when an inbound message answers this touch: threaded to it, or from the person before the next touch."""
    nxt = session.scalar(select(Touch.done_at).where(Touch.enrolment_id == touch.enrolment_id,
                                                     Touch.position > touch.position).order_by(Touch.position))
    mine = (EmailMessage.lead_id == enrolment.lead_id if enrolment.lead_id is not None
            else EmailMessage.contact_id == enrolment.contact_id)
    window = [EmailMessage.sent_at >= (message.sent_at or touch.done_at)]
    if nxt is not None:
        window.append(EmailMessage.sent_at < nxt)
    threaded = EmailMessage.in_reply_to == message.message_id
    stmt = select(EmailMessage.id).where(EmailMessage.direction == Direction.INBOUND,
                                         or_(threaded, and_(mine, *window)))
    return session.scalar(stmt.limit(1)) is not None


def settle_outcomes(session: Session, now: datetime) -> int:
    """Set the outcome of sent email touches (replied / no reply) and update their experiments; returns how many."""
    stmt = (select(Touch, OutboxMessage, Enrolment).join(OutboxMessage, Touch.outbox_message_id == OutboxMessage.id)
            .join(Enrolment, Touch.enrolment_id == Enrolment.id)
            .where(Touch.kind == "email", Touch.outcome.is_(None)))
    settings: dict[int, CadenceSettings] = {}
    bandits: dict[int, tuple[Experiment, ThompsonBandit]] = {}
    settled = 0
    for touch, message, enrolment in session.execute(stmt).all():
        if message.status in ("suppressed", "cancelled", "failed"):
            touch.outcome, touch.outcome_at = "not sent", now
            continue
        if message.status != "sent":
            continue
        if enrolment.sequence_id not in settings:
            sequence = session.get(Sequence, enrolment.sequence_id)
            settings[enrolment.sequence_id] = CadenceSettings.parse(sequence.settings if sequence else None)
        if _reply_to(session, touch, message, enrolment):
            touch.outcome, reward = "replied", 1
        elif message.sent_at is not None and message.sent_at + timedelta(
                days=settings[enrolment.sequence_id].reward_days) <= now:
            touch.outcome, reward = "no reply", 0
        else:
            continue
        touch.outcome_at = now
        settled += 1
        _reward(session, touch, message, enrolment, reward, bandits)
    for experiment, bandit in bandits.values():
        experiment.state = bandit.to_dict()
    return settled


def _reward(session: Session, touch: Touch, message: OutboxMessage, enrolment: Enrolment, reward: int,
            bandits: dict[int, tuple[Experiment, ThompsonBandit]]) -> None:
    """Update every experiment the touch took part in (as recorded on its message), once each; a touch from
    before the record (its subject variant only) updates its step's running subject experiment."""
    picks = chosen(message)
    recorded = "experiments" in (message.details or {})
    if not recorded and touch.variant is not None and touch.step_id is not None:
        legacy = running_experiment(session, touch.step_id)
        if legacy is not None:
            picks = {"subject": {"id": legacy.id, "arm": touch.variant}}
    person = None
    for pick in picks.values():
        experiment_id = pick.get("id") if isinstance(pick, dict) else None
        if not isinstance(experiment_id, int):
            continue
        if experiment_id not in bandits:
            experiment = session.get(Experiment, experiment_id)
            if experiment is None or experiment.status != "running":  # a stopped experiment keeps its result
                continue
            bandits[experiment_id] = (experiment, bandit_of(experiment))
        experiment, bandit = bandits[experiment_id]
        if pick.get("arm") not in experiment.arms:
            continue
        person = person if person is not None else person_of(session, enrolment)
        bandit.update(pick["arm"], reward, segment_of(experiment, person))
