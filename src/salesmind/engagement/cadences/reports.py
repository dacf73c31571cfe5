"""Performance per sequence and per step (reply rates with Wilson intervals), and experiment reports
(posterior means and 95% intervals per arm, lift against the control)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Integer, func, select
from sqlalchemy.orm import Session

from salesmind.core.errors import NotFound
from salesmind.data.models.cadences import Enrolment, Experiment, Sequence, SequenceStep, Touch
from salesmind.data.models.outreach import OutboxMessage
from salesmind.data.scope import Scope
from salesmind.engagement.bandits import POOLED, wilson_interval
from salesmind.engagement.cadences.arms import describe_arm
from salesmind.engagement.cadences.engine import steps_of
from salesmind.engagement.cadences.experiments import bandit_of


def _clean(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 4)


@dataclass(kw_only=True)
class Funnel:
    """Touches made, emails sent, replies and the reply rate with its 95% Wilson interval."""

    touches: int = 0
    emails_sent: int = 0
    replies: int = 0
    reply_rate: float | None = None
    reply_low: float | None = None
    reply_high: float | None = None


@dataclass
class StepStats(Funnel):
    """One step's funnel."""

    step_id: int
    position: int
    kind: str
    template: str | None
    wait_days: float
    experiment_id: int | None = None


@dataclass
class SequenceReport(Funnel):
    """A sequence's enrolments by status and stop reason, its touches, replies and meetings, and its steps."""

    sequence_id: int
    name: str
    is_active: bool
    enrolled: int = 0
    active: int = 0
    paused: int = 0
    finished: int = 0
    stopped: dict[str, int] = field(default_factory=dict)
    meetings_booked: int = 0
    steps: list[StepStats] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        return asdict(self)


def _rate(target: Funnel) -> None:
    if target.emails_sent:
        low, high = wilson_interval(target.replies, target.emails_sent)
        target.reply_rate = round(target.replies / target.emails_sent, 4)
        target.reply_low, target.reply_high = _clean(low), _clean(high)


def sequence_report(session: Session, scope: Scope, sequence_id: int) -> SequenceReport:
    """The report of one sequence over the enrolments ``scope`` may see."""
    sequence = session.get(Sequence, sequence_id)
    if sequence is None:
        raise NotFound(f"no sequence {sequence_id}")
    report = SequenceReport(sequence.id, sequence.name, sequence.is_active)
    visible = scope.restrict(select(Enrolment.id).where(Enrolment.sequence_id == sequence_id), Enrolment.owner_id)
    for status, reason, n in session.execute(
            select(Enrolment.status, Enrolment.stopped_reason, func.count())
            .where(Enrolment.id.in_(visible)).group_by(Enrolment.status, Enrolment.stopped_reason)):
        report.enrolled += n
        if status == "stopped":
            report.stopped[reason or "unknown"] = report.stopped.get(reason or "unknown", 0) + n
        elif status in ("active", "paused", "finished"):
            setattr(report, status, getattr(report, status) + n)
    report.meetings_booked = report.stopped.get("meeting booked", 0)
    steps = {s.id: StepStats(s.id, s.position, s.kind, s.template, s.wait_days) for s in steps_of(session, sequence_id)}
    for step_id, stats in steps.items():
        stats.experiment_id = session.scalar(select(Experiment.id).where(Experiment.step_id == step_id)
                                             .order_by(Experiment.id.desc()))
    rows = session.execute(
        select(Touch.step_id, func.count(), func.sum((OutboxMessage.status == "sent").cast(Integer)),
               func.sum((Touch.outcome == "replied").cast(Integer)))
        .outerjoin(OutboxMessage, Touch.outbox_message_id == OutboxMessage.id)
        .where(Touch.enrolment_id.in_(visible)).group_by(Touch.step_id))
    for step_id, touches, sent, replies in rows:
        stats = steps.get(step_id)
        if stats is None:  # a step removed since: counted in the sequence's totals only
            stats = StepStats(step_id or 0, 0, "removed", None, 0.0)
        stats.touches, stats.emails_sent, stats.replies = touches, int(sent or 0), int(replies or 0)
        report.touches += stats.touches
        report.emails_sent += stats.emails_sent
        report.replies += stats.replies
        _rate(stats)
    _rate(report)
    report.steps = sorted(steps.values(), key=lambda s: s.position)
    return report


def sequences_overview(session: Session, scope: Scope) -> list[SequenceReport]:
    """Every sequence's report (as the list page shows them), by name."""
    ids = session.scalars(select(Sequence.id).order_by(Sequence.name))
    return [sequence_report(session, scope, i) for i in ids]


@dataclass
class ArmReport:
    """One arm: sends, replies, posterior mean and 95% credible interval, and its lift over the control."""

    arm: str
    is_control: bool
    sends: int
    successes: int
    mean: float
    low: float
    high: float
    lift: float | None = None
    lift_low: float | None = None
    lift_high: float | None = None
    prob_better: float | None = None
    observed_diff: float | None = None
    newcombe_low: float | None = None
    newcombe_high: float | None = None
    alpha: float = 1.0
    beta: float = 1.0
    detail: str | None = None


@dataclass
class ExperimentReport:
    """An experiment's arms (pooled over segments) and where it runs."""

    experiment_id: int
    name: str
    kind: str
    status: str
    step_id: int | None
    sequence_id: int | None
    control: str | None
    control_share: float
    min_samples: int
    segment_by: str | None
    segments: list[str]
    arms: list[ArmReport]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        return asdict(self)


def experiment_report(session: Session, experiment_id: int) -> ExperimentReport:
    """Posteriors and lifts (pooled) of one experiment."""
    experiment = session.get(Experiment, experiment_id)
    if experiment is None:
        raise NotFound(f"no experiment {experiment_id}")
    bandit = bandit_of(experiment)
    lifts = {lift.arm: lift for lift in bandit.lift()} if bandit.control is not None else {}
    arms = []
    for p in bandit.posterior():
        lift = lifts.get(p.arm)
        arm = ArmReport(p.arm, p.arm == bandit.control, p.sends, p.successes, round(p.mean, 4), round(p.low, 4),
                        round(p.high, 4), alpha=p.alpha, beta=p.beta, detail=describe_arm(experiment.kind, p.arm))
        if lift is not None:
            arm.lift, arm.lift_low, arm.lift_high = round(lift.lift, 4), round(lift.low, 4), round(lift.high, 4)
            arm.prob_better = round(lift.prob_better, 4)
            arm.observed_diff, arm.newcombe_low, arm.newcombe_high = (
                _clean(lift.observed_diff), _clean(lift.newcombe_low), _clean(lift.newcombe_high))
        arms.append(arm)
    step = session.get(SequenceStep, experiment.step_id) if experiment.step_id else None
    return ExperimentReport(experiment.id, experiment.name, experiment.kind, experiment.status, experiment.step_id,
                            step.sequence_id if step else None, bandit.control, experiment.control_share,
                            experiment.min_samples, experiment.segment_by,
                            [s for s in bandit.segments_ if s != POOLED], arms)


def list_experiments(session: Session) -> list[Experiment]:
    """Every experiment, newest first."""
    return list(session.scalars(select(Experiment).order_by(Experiment.id.desc())))
