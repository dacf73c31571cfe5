"""Cadences: sequences of emails, calls and tasks in the recipient's business hours, stopped by replies,
meetings, bounces and unsubscribes, with subject, template and send-time experiments and tasks for reps."""

from salesmind.engagement.cadences.building import (
    create_sequence,
    replace_steps,
    update_sequence,
    validate_steps,
)
from salesmind.engagement.cadences.config import CadenceSettings
from salesmind.engagement.cadences.defaults import NURTURE, OUTBOUND, ensure_default_sequences
from salesmind.engagement.cadences.engine import TickCounts, enrol, steps_of, tick
from salesmind.engagement.cadences.experiments import (
    create_experiment,
    settle_outcomes,
    stop_experiment,
)
from salesmind.engagement.cadences.hooks import on_meeting_booked, on_reply, on_suppressed
from salesmind.engagement.cadences.windows import SendWindow, first_zone, next_send_moment

__all__ = [
    "NURTURE",
    "OUTBOUND",
    "CadenceSettings",
    "SendWindow",
    "TickCounts",
    "create_experiment",
    "create_sequence",
    "enrol",
    "ensure_default_sequences",
    "first_zone",
    "next_send_moment",
    "on_meeting_booked",
    "on_reply",
    "on_suppressed",
    "replace_steps",
    "settle_outcomes",
    "steps_of",
    "stop_experiment",
    "tick",
    "update_sequence",
    "validate_steps",
]
