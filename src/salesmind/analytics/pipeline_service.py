"""Pipeline analytics for a viewer: load the scoped frames once, run the pure analyses on them.

Every function takes the viewer's :class:`~salesmind.data.scope.Scope` (reps their own deals, managers their
teams', admins all) and a period ``[start, end)``; the pure functions live in ``analytics.pipeline``,
``analytics.velocity``, ``analytics.coverage`` and ``analytics.cohorts``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.analytics import cohorts, coverage, pipeline, velocity
from salesmind.analytics.cache import CACHE, cached, scoped_key
from salesmind.analytics.frames import deal_frame, stage_events, stage_order
from salesmind.analytics.periods import check_period, trailing_periods
from salesmind.data.models import ForecastRun
from salesmind.data.scope import Scope

T = TypeVar("T")
#: Periods in the velocity trend (the chosen one and those before it).
TREND_PERIODS = 8
#: Periods of lead cohorts shown (the chosen one and those before it).
COHORT_PERIODS = 4


@dataclass(frozen=True)
class PipelineData:
    """The scoped deal frame, its stage visits and the funnel's stage order."""

    deals: pd.DataFrame
    events: pd.DataFrame
    stages: list[str]


def load(session: Session, scope: Scope) -> PipelineData:
    """The frames every pipeline analysis reads, for what ``scope`` may see."""
    deals = deal_frame(session, scope)
    events = stage_events(session, deals)
    return PipelineData(deals, events, stage_order(events) if len(events) else [])


def run_cached(session: Session, scope: Scope, name: str, args: tuple[Hashable, ...],
               analysis: Callable[[Session, PipelineData], T]) -> T:
    """``analysis(session, frames)`` once per database, scope, data version (see ``analytics.cache``), ``name``
    and ``args``; the frames are loaded once per version too."""

    def compute(s: Session) -> T:
        return analysis(s, CACHE.get_or_compute((scoped_key(s, scope), "frames"), lambda: load(s, scope)))

    return cached(session, scope, name, args, compute)


def forecast_target(session: Session, start: date, end: date) -> float | None:
    """The mean of the newest stored pipeline forecast of exactly ``[start, end)``, if any."""
    run = session.execute(select(ForecastRun).where(ForecastRun.kind == "pipeline",
                                                    ForecastRun.period_start == start,
                                                    ForecastRun.period_end == end - timedelta(days=1))
                          .order_by(ForecastRun.as_of.desc(), ForecastRun.id.desc()).limit(1)).scalar_one_or_none()
    mean = (run.summary or {}).get("mean") if run is not None else None
    return float(mean) if mean is not None else None


def pipeline_analysis(data: PipelineData, start: date, end: date, group_by: str | None = None) -> dict[str, Any]:
    """Conversion, time in stage, bottlenecks, funnel and flows (see :func:`pipeline.pipeline_report`)."""
    check_period(start, end)
    return pipeline.pipeline_report(data.deals, data.events, data.stages, start, end, group_by)


def velocity_analysis(data: PipelineData, start: date, end: date, group_by: str | None = None,
                      periods: int = TREND_PERIODS) -> dict[str, Any]:
    """Velocity of ``[start, end)``, its change against the period before, and the trend."""
    check_period(start, end)
    pipeline.check_group(group_by)
    return velocity.velocity_report(data.deals, trailing_periods(start, end, periods), group_by)


def coverage_analysis(session: Session, scope: Scope, data: PipelineData, start: date, end: date,
                      target: float | None = None, group_by: str | None = None) -> dict[str, Any]:
    """Coverage of ``[start, end)``; the stored company forecast is a target only for the unrestricted scope."""
    check_period(start, end)
    pipeline.check_group(group_by)
    forecast = forecast_target(session, start, end) if scope.is_unrestricted and target is None else None
    return coverage.coverage(data.deals, start, end, target=target, forecast=forecast, group_by=group_by)


def cohort_analysis(session: Session, scope: Scope, data: PipelineData, start: date, end: date) -> pd.DataFrame:
    """Lead cohorts (source x created month) of the leads created in ``[start, end)``."""
    check_period(start, end)
    leads = cohorts.lead_frame(session, scope, start, end)
    return cohorts.cohort_table(cohorts.trace_outcomes(leads, data.deals))


def cohort_window(start: date, end: date) -> tuple[date, date]:
    """The cohort range the dashboard shows: :data:`COHORT_PERIODS` periods ending with ``[start, end)``."""
    return trailing_periods(start, end, COHORT_PERIODS)[0][0], end
