"""Inbound leads: the webhook's submission, the stored submission, the response-time report, routing rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from salesmind.api.schemas.common import Input, Public, RecordId, text
from salesmind.engagement.inbound import Summary

FieldValue = text(5000) | int | float | bool | None | list[text(2000) | int | float | bool]
RoutingKind = Literal["account_owner", "territory", "deal_size", "round_robin"]


class InboundLeadIn(BaseModel):
    """A lead from a form or another system: email required; the fields below are known, any other is kept as an
    answer on the lead. Field problems come back as 422 with one issue per field."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": True})

    email: text(254) = Field(examples=["lea@buyer.example"])
    first_name: FieldValue = None
    last_name: FieldValue = None
    name: FieldValue = Field(None, description="a full name, split when first and last names are not given")
    company: FieldValue = None
    title: FieldValue = None
    phone: FieldValue = None
    country: FieldValue = None
    region: FieldValue = None
    industry: FieldValue = None
    employees: FieldValue = None
    budget: FieldValue = None
    message: FieldValue = None
    consent: FieldValue = Field(None, description="the consent checkbox: true / on / yes when ticked")
    source: text(120) | None = Field(None, description="where the lead came from (default: api)")


class SubmissionPublic(Public):
    """A stored submission: the lead it made or merged into, who got it and why, the reply and call task."""

    id: int
    received_at: datetime
    source: str | None
    lead_id: int | None
    merged: bool
    routed_to_id: int | None
    routing_reason: str | None
    score: float | None
    first_reply_id: int | None
    reply_queued_at: datetime | None
    reply_sent_at: datetime | None
    call_task_id: int | None


class ReportPublic(BaseModel):
    """The response-time report of a period (minutes; shares from 0 to 1)."""

    start: datetime
    end: datetime
    target_minutes: float
    overall: Summary
    by_source: list[Summary]
    by_owner: list[Summary]
    daily: list[Summary]
    never_answered_leads: list[int]


class RuleConditions(Input):
    """Conditions of a rule: territories to use (territory rules), thresholds (deal-size rules)."""

    territory_ids: list[RecordId] | None = Field(None, max_length=200)
    min_employees: int | None = Field(None, ge=0, le=10_000_000)
    min_budget: float | None = Field(None, ge=0, le=1e12)


class RuleCreate(Input):
    """A new routing rule (tried in ``position`` order; at the end when not given)."""

    name: text(200, 1)
    kind: RoutingKind
    conditions: RuleConditions | None = None
    assignee_ids: list[RecordId] = Field(default_factory=list, max_length=200)
    position: int | None = Field(None, ge=0, le=1_000_000)
    is_active: bool = True


class RuleUpdate(Input):
    """Fields of a rule to change."""

    name: text(200, 1) | None = None
    kind: RoutingKind | None = None
    conditions: RuleConditions | None = None
    assignee_ids: list[RecordId] | None = Field(None, max_length=200)
    position: int | None = Field(None, ge=0, le=1_000_000)
    is_active: bool | None = None


class RulePublic(Public):
    """A routing rule."""

    id: int
    position: int
    name: str
    kind: str
    conditions: dict[str, Any] | None
    assignee_ids: list[Any] | None
    next_index: int
    is_active: bool
