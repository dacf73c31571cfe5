"""Pipeline analytics answers: conversion, time in stage, bottlenecks, velocity, coverage, lead cohorts."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field


class ConversionRow(BaseModel):
    """Deals resolved past ``from_stage`` in the period and the share that reached ``to_stage``."""

    from_stage: str
    to_stage: str
    resolved: int = Field(description="deals that moved on or were lost while at from_stage")
    converted: int
    rate: float | None
    low: float | None = Field(description="95% Wilson interval, lower end")
    high: float | None = Field(description="95% Wilson interval, upper end")


class StageTime(BaseModel):
    """Days in a stage of the visits that left it in the period."""

    stage: str
    visits: int
    median_days: float | None
    p75_days: float | None


class Bottleneck(BaseModel):
    """A stage that holds the pipeline back, with its numbers (docs/analytics-pipeline.md has the rule)."""

    kind: str = Field(description="conversion or time")
    stage: str
    message: str
    numbers: dict[str, Any]


class StageCount(BaseModel):
    """Deals created in the period that reached a stage."""

    stage: str
    deals: int


class Flow(BaseModel):
    """Deals that moved from ``source`` to ``target`` (a later stage, won, lost or back) in the period."""

    source: str
    target: str
    deals: int


class GroupPipeline(BaseModel):
    """Conversion and time in stage of one group."""

    group: str
    conversion: list[ConversionRow]
    time_in_stage: list[StageTime]


class PipelinePublic(BaseModel):
    """Stage conversion, time in stage, bottlenecks, funnel and flows of a period."""

    start: date
    end: date
    group_by: str | None
    stages: list[str]
    conversion: list[ConversionRow]
    history_conversion: list[ConversionRow] = Field(description="every resolution before the period")
    time_in_stage: list[StageTime]
    bottlenecks: list[Bottleneck]
    funnel: list[StageCount]
    flows: list[Flow]
    groups: list[GroupPipeline]


class VelocityPoint(BaseModel):
    """Velocity of one period and its four drivers."""

    start: date
    end: date
    open_deals: int
    win_rate: float | None
    deal_size: float | None
    cycle_days: float | None
    won: int
    closed: int
    velocity: float | None = Field(description="open_deals x win_rate x deal_size / cycle_days, money per day")


class VelocityChange(BaseModel):
    """The change against the previous period and each driver's part (LMDI: the parts add up)."""

    change: float | None
    change_pct: float | None
    parts: dict[str, float | None]


class GroupVelocity(BaseModel):
    """One group's velocity now and before."""

    group: str
    current: VelocityPoint
    previous: VelocityPoint
    change: VelocityChange


class VelocityPublic(BaseModel):
    """Velocity of the period, its change with drivers, the trend and the groups."""

    current: VelocityPoint
    previous: VelocityPoint | None
    change: VelocityChange | None
    trend: list[VelocityPoint]
    groups: list[GroupVelocity]


class CoverageGroup(BaseModel):
    """One group's open pipeline closing in the period."""

    group: str
    open_pipeline: float
    open_deals: int


class CoveragePublic(BaseModel):
    """Open pipeline closing in the period against the target, and where the target came from."""

    start: date
    end: date
    open_pipeline: float
    open_deals: int
    won: float
    target: float | None
    target_source: str = Field(description="parameter, forecast, last_year_bookings or none")
    last_year_bookings: float
    coverage: float | None
    remaining_coverage: float | None
    groups: list[CoverageGroup]


class CohortRow(BaseModel):
    """Leads of one source created in one month."""

    source: str
    month: str
    leads: int
    converted: int
    converted_share: float
    traced: int = Field(description="converted leads traced to a deal (by link or account)")
    won: int
    won_share: float | None = Field(description="won among traced converted leads")
    won_per_lead: float


class CohortPublic(BaseModel):
    """Lead cohorts of the leads created in the period."""

    start: date
    end: date
    rows: list[CohortRow]
