"""Sequences (cadences) and their steps, enrolments, reports, tasks and subject-line experiments."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from salesmind.api.schemas.common import Input, Public, RecordId, text

TEMPLATE_PATTERN = r"^[A-Za-z0-9_.-]{1,200}$"
Subject = text(500, 1)
Body = text(20000, 1)
SettingValue = text(200) | int | list[text(20) | int] | dict[text(20), text(20) | list[text(20) | int]] | None


class StepIn(Input):
    """One step: an email (a draft template), a call or another task, after ``wait_days``."""

    kind: Literal["email", "call", "task"]
    wait_days: float = Field(0.0, ge=0, le=365)
    template: str | None = Field(None, pattern=TEMPLATE_PATTERN, description="draft template, e.g. intro")
    subject_variants: list[Subject] | None = Field(None, max_length=20)  # type: ignore[valid-type]
    manual: bool = False
    instructions: text(2000) | None = None  # type: ignore[valid-type]


class SequenceCreate(Input):
    """A new sequence: name, steps and settings (send_window, timezone, daily_limit, nurture_sequence, ...)."""

    name: text(200, 1)  # type: ignore[valid-type]
    description: text(2000) | None = None  # type: ignore[valid-type]
    settings: dict[text(40), SettingValue] | None = None  # type: ignore[valid-type]
    steps: list[StepIn] = Field(min_length=1, max_length=30)


class SequenceUpdate(Input):
    """Change any of: name, description, settings, active flag, and the whole list of steps (edit/reorder)."""

    name: text(200, 1) | None = None  # type: ignore[valid-type]
    description: text(2000) | None = None  # type: ignore[valid-type]
    settings: dict[text(40), SettingValue] | None = None  # type: ignore[valid-type]
    is_active: bool | None = None
    steps: list[StepIn] | None = Field(None, min_length=1, max_length=30)


class StepPublic(Public):
    """A stored step."""

    id: int
    position: int
    kind: str
    wait_days: float
    template: str | None
    subject_variants: list[str] | None
    manual: bool
    instructions: str | None


class SequencePublic(Public):
    """A sequence with its steps."""

    id: int
    name: str
    description: str | None
    is_active: bool
    settings: dict[str, Any] | None
    steps: list[StepPublic]


class EnrolIn(Input):
    """Who to enrol: exactly one of a lead id, a contact id or an email address."""

    lead_id: RecordId | None = None  # type: ignore[valid-type]
    contact_id: RecordId | None = None  # type: ignore[valid-type]
    email: text(254, 3) | None = None  # type: ignore[valid-type]


class EnrolmentPublic(Public):
    """One enrolment."""

    id: int
    sequence_id: int
    lead_id: int | None
    contact_id: int | None
    owner_id: int | None
    status: str
    position: int
    enrolled_at: datetime
    next_due_at: datetime | None
    paused_until: datetime | None
    stopped_reason: str | None


class FunnelPublic(Public):
    """Touches, emails sent, replies and the reply rate with its 95% Wilson interval."""

    touches: int
    emails_sent: int
    replies: int
    reply_rate: float | None
    reply_low: float | None
    reply_high: float | None


class StepStatsPublic(FunnelPublic):
    """One step's funnel."""

    step_id: int
    position: int
    kind: str
    template: str | None
    wait_days: float
    experiment_id: int | None


class SequenceReportPublic(FunnelPublic):
    """A sequence's enrolments by status and stop reason, meetings and per-step funnel."""

    sequence_id: int
    name: str
    is_active: bool
    enrolled: int
    active: int
    paused: int
    finished: int
    stopped: dict[str, int]
    meetings_booked: int
    steps: list[StepStatsPublic]


class TickPublic(Public):
    """What a tick did."""

    due: int
    emails: int
    suppressed: int
    tasks: int
    paused: int
    resumed: int
    finished: int
    capped: int
    settled: int
    stopped: dict[str, int]
    errors: list[str]


class TaskPublic(Public):
    """A task for a rep."""

    id: int
    user_id: int | None
    kind: str
    title: str
    priority: int
    due_at: datetime
    status: str
    lead_id: int | None
    contact_id: int | None
    enrolment_id: int | None


class TaskDone(Input):
    """Done (or skipped); for a manual email's review task, the edited subject and text to send."""

    skip: bool = False
    subject: Subject | None = None  # type: ignore[valid-type]
    text: Body | None = None  # type: ignore[valid-type]


class ExperimentCreate(Input):
    """An experiment on an email step (the first arm is the control unless named): subject lines, draft template
    names, or send-time windows (morning, midday, afternoon, evening or HH:MM-HH:MM, recipient's local time)."""

    step_id: RecordId  # type: ignore[valid-type]
    kind: Literal["subject", "template", "send_time"] = "subject"
    arms: list[Subject] = Field(min_length=2, max_length=20)  # type: ignore[valid-type]
    control_arm: text(500, 1) | None = None  # type: ignore[valid-type]
    control_share: float = Field(0.1, ge=0, lt=1)
    min_samples: int = Field(30, ge=0, le=100_000)
    segment_by: Literal["industry", "seniority", "country", "region", "source"] | None = None
    name: text(200, 1) | None = None  # type: ignore[valid-type]


class ExperimentPublic(Public):
    """An experiment (without its posterior: see the report)."""

    id: int
    name: str
    kind: str
    step_id: int | None
    arms: list[str]
    control_arm: str | None
    control_share: float
    min_samples: int
    segment_by: str | None
    status: str


class ArmPublic(Public):
    """One arm: sends, replies, posterior mean and 95% credible interval, and lift over the control."""

    arm: str
    is_control: bool
    sends: int
    successes: int
    mean: float
    low: float
    high: float
    lift: float | None
    lift_low: float | None
    lift_high: float | None
    prob_better: float | None
    observed_diff: float | None
    newcombe_low: float | None
    newcombe_high: float | None
    alpha: float
    beta: float
    detail: str | None


class ExperimentReportPublic(Public):
    """An experiment's arms (pooled over segments)."""

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
    arms: list[ArmPublic]
