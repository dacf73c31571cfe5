"""Discount guidance: the model card, a deal's discount curve and recommendation, the guardrail rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from salesmind.api.schemas.common import Input


class GuardrailRule(Input):
    """One rule: segment ('' = the default for every deal), max discount, objective, cost (margin only)."""

    segment: str = Field("", max_length=64)
    max_pct: float = Field(ge=0, le=100)
    objective: Literal["revenue", "margin"] = "revenue"
    cost_pct: float | None = Field(None, ge=0, le=100)


class GuardrailSet(Input):
    """Every rule at once (replaces the saved rules; all or nothing)."""

    rules: list[GuardrailRule] = Field(max_length=50)


class GuardrailList(BaseModel):
    """The saved rules and the built-in default used when no default rule is saved."""

    rules: list[dict[str, Any]]
    fallback: dict[str, Any]


class TrainCreate(Input):
    """Train the discount model (no options yet)."""


class ModelCard(BaseModel):
    """The serving discount model: its test-slice metrics against the baselines, calibration and response."""

    trained: bool
    version: str | None = None
    created_at: datetime | None = None
    rows: int | None = None
    positives: int | None = None
    metrics: dict[str, dict[str, float]] = {}
    split: dict[str, Any] = {}
    reliability: list[dict[str, float]] = []
    response: dict[str, list[float]] = {}
    message: str | None = None


class TrainPublic(BaseModel):
    """What one training run measured, and whether its version now serves."""

    version: str
    status: str
    decision: str
    metrics: dict[str, dict[str, float]]
    split: dict[str, Any]
    reliability: list[dict[str, float]]
    response: dict[str, list[float]]


class DiscountReason(BaseModel):
    """A feature that moved the win probability (SHAP contribution to the log-odds)."""

    feature: str
    value: Any
    effect: float


class DiscountPublic(BaseModel):
    """An open deal's win probability and expected value over discounts, and the recommendation."""

    deal_id: int
    list_amount: float
    objective: str
    max_pct: float
    cost_pct: float | None
    grid: list[float]
    p: list[float]
    value: list[float]
    recommended_pct: float
    recommended_p: float
    recommended_value: float
    current_pct: float
    current_p: float
    current_value: float
    discount_given: bool
    uplift: float
    reasons: list[DiscountReason]
