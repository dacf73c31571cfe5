"""Engagement automation: sequences (cadences) of touches, who is enrolled, tasks, routing and experiments.

A ``Sequence`` is an ordered list of ``SequenceStep`` (an email, a call task or another task, after
a wait). An ``Enrolment`` walks one lead or contact through a sequence; each touch it makes is a
``Touch`` (unique per enrolment and position, so a step can never run twice) that points at the
outbox message or the task it produced and records the outcome. ``Task`` is work for a rep (call
this lead now). ``RoutingRule`` says who gets a new inbound lead; ``InboundSubmission`` is a form
or webhook submission with the timings the response-time report reads. ``Experiment`` is a
bandit over subject lines, templates or send times, with its state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from salesmind.core.timeutil import utcnow
from salesmind.data.models.base import Base

STEP_KINDS = ("email", "call", "task")
ENROLMENT_STATUSES = ("active", "paused", "finished", "stopped")
TASK_STATUSES = ("open", "done", "skipped")
ROUTING_KINDS = ("account_owner", "territory", "deal_size", "round_robin")


class Sequence(Base):
    """A cadence: its steps, send window and stop rules."""

    __tablename__ = "sequences"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict[str, Any] | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SequenceStep(Base):
    """One step of a sequence: what to do, after how long, with which template or subject variants."""

    __tablename__ = "sequence_steps"
    __table_args__ = (UniqueConstraint("sequence_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id", ondelete="CASCADE"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    wait_days: Mapped[float] = mapped_column(default=0.0)
    template: Mapped[str | None] = mapped_column(String(200))
    subject_variants: Mapped[list[Any] | None] = mapped_column(JSON)
    manual: Mapped[bool] = mapped_column(default=False)
    instructions: Mapped[str | None] = mapped_column(Text)


class Enrolment(Base):
    """One lead or contact walking through a sequence."""

    __tablename__ = "enrolments"
    __table_args__ = (Index("ix_enrolments_status_due", "status", "next_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id", ondelete="CASCADE"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="active")
    position: Mapped[int] = mapped_column(default=0)
    next_due_at: Mapped[datetime | None]
    paused_until: Mapped[datetime | None]
    stopped_reason: Mapped[str | None] = mapped_column(String(64))
    stopped_at: Mapped[datetime | None]
    details: Mapped[dict[str, Any] | None]


class Task(Base):
    """Work for a rep: a call, an email to write, anything else; due at a time."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_user_status_due", "user_id", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    priority: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="open")
    done_at: Mapped[datetime | None]
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Touch(Base):
    """One step run for one enrolment: what it produced and how it ended."""

    __tablename__ = "touches"
    __table_args__ = (UniqueConstraint("enrolment_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    step_id: Mapped[int | None] = mapped_column(ForeignKey("sequence_steps.id", ondelete="SET NULL"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))
    variant: Mapped[str | None] = mapped_column(String(500))
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(String(32))
    outcome_at: Mapped[datetime | None]


class RoutingRule(Base):
    """Who gets a new inbound lead: rules tried in ``position`` order, the first that matches wins."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    conditions: Mapped[dict[str, Any] | None]
    assignee_ids: Mapped[list[Any] | None] = mapped_column(JSON)
    next_index: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundSubmission(Base):
    """A form or webhook submission: the lead it made or merged into, who got it, and how fast they answered."""

    __tablename__ = "inbound_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    source: Mapped[str | None] = mapped_column(String(120))
    payload: Mapped[dict[str, Any] | None]
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"), index=True)
    merged: Mapped[bool] = mapped_column(default=False)
    routed_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    routing_reason: Mapped[str | None] = mapped_column(String(300))
    score: Mapped[float | None]
    first_reply_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    reply_queued_at: Mapped[datetime | None]
    reply_sent_at: Mapped[datetime | None]
    call_task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))


class Experiment(Base):
    """A bandit over the arms of one sequence step (subject lines, templates or send times) and its state."""

    __tablename__ = "experiments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    step_id: Mapped[int | None] = mapped_column(ForeignKey("sequence_steps.id", ondelete="CASCADE"), index=True)
    arms: Mapped[list[Any]] = mapped_column(JSON)
    control_arm: Mapped[str | None] = mapped_column(String(500))
    control_share: Mapped[float] = mapped_column(default=0.1)
    min_samples: Mapped[int] = mapped_column(default=30)
    segment_by: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(16), default="running")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
