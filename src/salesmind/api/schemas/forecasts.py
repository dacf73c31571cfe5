"""Forecasts: requests to make a run, stored runs with their points, drivers, accuracy and the change view."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from salesmind.api.schemas.common import Input, Public, UtcTime

Frequency = Literal["week", "month", "quarter"]
Grouping = Literal["team", "region", "product", "owner"]


class HistoryRunCreate(Input):
    """Forecast bookings per period from history (``as_of`` defaults to now)."""

    as_of: UtcTime | None = None
    freq: Frequency = "month"
    group_by: Grouping | None = None
    horizon: int = Field(3, ge=1, le=60)


class PipelineRunCreate(Input):
    """Simulate this month's or quarter's bookings from the open pipeline (``as_of`` defaults to now)."""

    as_of: UtcTime | None = None
    period: Literal["month", "quarter"] = "quarter"
    period_of: date | None = Field(None, description="a day inside the period to forecast (default: as_of)")
    n_simulations: int = Field(10_000, ge=1_000, le=200_000)


class RunPublic(Public):
    """A stored forecast run and its headline numbers."""

    id: int
    kind: str
    created_at: datetime
    as_of: datetime
    freq: str | None
    group_by: str | None
    horizon: int | None
    period_start: date | None
    period_end: date | None
    params: dict[str, Any] | None
    summary: dict[str, Any] | None = Field(description="headline numbers; pipeline runs: mean, p10, p50, p90, "
                                                        "commit, best_case, pipeline, won_to_date, histogram")
    created_by_id: int | None


class PointPublic(Public):
    """The forecast of one series for one period, and its actual once the period has ended."""

    unique_id: str
    ds: date
    period_end: date
    mean: float
    lo_80: float | None
    hi_80: float | None
    lo_95: float | None
    hi_95: float | None
    actual: float | None


class RunDetail(BaseModel):
    """A run, its points, the driver deals the caller may see and the sum of the hidden ones."""

    run: RunPublic
    points: list[PointPublic]
    drivers: list[dict[str, Any]]
    hidden_drivers: dict[str, float]


class AccuracyPublic(BaseModel):
    """Accuracy of stored forecasts whose periods have ended: overall, per run and rolling."""

    overall: dict[str, Any]
    window: int
    runs: list[dict[str, Any]]
    rolling: list[dict[str, Any]]
    pending_points: int


class ActualsFilled(BaseModel):
    """How many stored points got their actual."""

    filled: int


class ChangesPublic(BaseModel):
    """Two pipeline runs compared: the bridge and the changed deals by category (the caller's deals by name)."""

    older_run_id: int
    newer_run_id: int
    older_as_of: datetime
    newer_as_of: datetime
    period_start: date | None
    period_end: date | None
    bridge: dict[str, Any]
    changes: dict[str, list[dict[str, Any]]]
    hidden: dict[str, dict[str, float]]
    notes: list[str]
