"""Pipeline analytics over a period ``[start, end)`` (default: this quarter), scoped to the caller:
conversion and time in stage, velocity, coverage and lead cohorts; ``?format=csv`` for the tables."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query, Response

from salesmind.analytics import pipeline_service as service
from salesmind.analytics.periods import check_period, quarter_of
from salesmind.analytics.pipeline import GROUPINGS
from salesmind.api.csv import csv_response
from salesmind.api.deps import NowDep, ScopeDep, SessionDep
from salesmind.api.schemas.pipeline import (
    CohortPublic,
    CoveragePublic,
    PipelinePublic,
    VelocityPublic,
)
from salesmind.core.errors import UserInputError

router = APIRouter(prefix="/analytics", tags=["analytics"])
StartQ = Annotated[date | None, Query(description="first day of the period (default: this quarter's)")]
EndQ = Annotated[date | None, Query(description="day after the period (default: next quarter's first day)")]
GroupQ = Annotated[Literal[GROUPINGS] | None, Query(description="group the answer by this deal attribute")]  # type: ignore[valid-type]
FormatQ = Annotated[Literal["json", "csv"], Query(description="csv returns the table as text/csv")]


def _period(now: NowDep, start: StartQ = None, end: EndQ = None) -> tuple[date, date]:
    """The requested ``[start, end)``, or this quarter when neither is given."""
    if start is None and end is None:
        return quarter_of(now.date())
    if start is None or end is None:
        raise UserInputError("give both start and end, or neither (this quarter)")
    check_period(start, end)
    return start, end


PeriodDep = Annotated[tuple[date, date], Depends(_period)]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in frame.astype(object).where(frame.notna(), None).to_dict(orient="records")]


def _bottleneck(b: dict[str, Any]) -> dict[str, Any]:
    return {"kind": b["kind"], "stage": b["stage"], "message": b["message"],
            "numbers": {k: v for k, v in b.items() if k not in ("kind", "stage", "message")}}


@router.get("/pipeline", response_model=PipelinePublic)
def pipeline(session: SessionDep, scope: ScopeDep, period: PeriodDep,
             group_by: GroupQ = None, format: FormatQ = "json") -> PipelinePublic | Response:
    """Stage conversion (95% Wilson), time in stage, bottlenecks, funnel and stage flows."""
    first, last = period
    report = service.run_cached(session, scope, "pipeline", (first, last, group_by),
                                lambda _, data: service.pipeline_analysis(data, first, last, group_by))
    if format == "csv":
        times = report["time_in_stage"].rename(columns={"stage": "from_stage"})
        rows = [dict(r, group="all") for r in _records(report["conversion"].merge(times, on="from_stage"))]
        for g in report["groups"]:
            merged = g["conversion"].merge(g["time_in_stage"].rename(columns={"stage": "from_stage"}), on="from_stage")
            rows += [dict(r, group=g["group"]) for r in _records(merged)]
        return csv_response(rows, f"pipeline-conversion-{first}-{last}")
    return PipelinePublic(
        start=first, end=last, group_by=group_by, stages=report["stages"],
        conversion=_records(report["conversion"]), history_conversion=_records(report["history_conversion"]),
        time_in_stage=_records(report["time_in_stage"]), bottlenecks=[_bottleneck(b) for b in report["bottlenecks"]],
        funnel=_records(report["funnel"]), flows=_records(report["flows"]),
        groups=[{"group": g["group"], "conversion": _records(g["conversion"]),
                 "time_in_stage": _records(g["time_in_stage"])} for g in report["groups"]])


@router.get("/velocity", response_model=VelocityPublic)
def velocity(session: SessionDep, scope: ScopeDep, period: PeriodDep,
             group_by: GroupQ = None, format: FormatQ = "json") -> VelocityPublic | Response:
    """Velocity = open deals x win rate x deal size / cycle days, its change in four drivers, and the trend."""
    first, last = period
    report = service.run_cached(session, scope, "velocity", (first, last, group_by),
                                lambda _, data: service.velocity_analysis(data, first, last, group_by))
    if format == "csv":
        rows = [dict(r, group="all") for r in _records(report["trend"])]
        rows += [dict(g["current"], group=g["group"]) for g in report["groups"]]
        return csv_response(rows, f"pipeline-velocity-{first}-{last}")
    return VelocityPublic(current=report["current"], previous=report["previous"], change=report["change"],
                          trend=_records(report["trend"]), groups=report["groups"])


@router.get("/coverage", response_model=CoveragePublic)
def coverage(session: SessionDep, scope: ScopeDep, period: PeriodDep,
             group_by: GroupQ = None, target: Annotated[float | None, Query(gt=0, le=1e15, allow_inf_nan=False,
                                                                            description="the period's target")] = None,
             format: FormatQ = "json") -> CoveragePublic | Response:
    """Open pipeline closing in the period / target (given, else the stored forecast, else last year's bookings)."""
    first, last = period
    result = service.run_cached(
        session, scope, "coverage", (first, last, target, group_by),
        lambda s, data: service.coverage_analysis(s, scope, data, first, last, target, group_by))
    if format == "csv":
        head = {k: v for k, v in result.items() if k != "groups"}
        return csv_response([dict(head, group="all")] + [dict(g, group=g["group"]) for g in result["groups"]],
                            f"pipeline-coverage-{first}-{last}")
    return CoveragePublic(**result)


@router.get("/cohorts", response_model=CohortPublic)
def cohorts(session: SessionDep, scope: ScopeDep, period: PeriodDep,
            format: FormatQ = "json") -> CohortPublic | Response:
    """Leads by source and created month: converted share and won share (traced by link or account)."""
    first, last = period
    table = service.run_cached(session, scope, "cohorts", (first, last),
                               lambda s, data: service.cohort_analysis(s, scope, data, first, last))
    if format == "csv":
        return csv_response(_records(table), f"lead-cohorts-{first}-{last}")
    return CohortPublic(start=first, end=last, rows=_records(table))
