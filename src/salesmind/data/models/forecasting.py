"""Stored forecasts: each run, its forecast points (with actuals filled in later) and the pipeline it saw.

A run is company-level: a bookings forecast from history (``kind="history"``) or a pipeline
forecast for one period (``kind="pipeline"``). The deal snapshot keeps every open deal the
pipeline run saw, so that two runs can be compared deal by deal ("what changed since last week").
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesmind.core.timeutil import utcnow
from salesmind.data.models.base import Base, currency, money

RUN_KINDS = ("history", "pipeline")


class ForecastRun(Base):
    """One forecast as it was made: when, as of which time, with which settings, and its headline numbers.

    ``summary`` holds the numbers the page shows (mean, p10/p50/p90, commit, best case,
    pipeline, won to date, the distribution histogram, the driver deals, the ensemble members).
    """

    __tablename__ = "forecast_runs"
    __table_args__ = (Index("ix_forecast_runs_kind_as_of", "kind", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    as_of: Mapped[datetime]
    freq: Mapped[str | None] = mapped_column(String(16))
    group_by: Mapped[str | None] = mapped_column(String(32))
    horizon: Mapped[int | None]
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    params: Mapped[dict[str, Any] | None]
    summary: Mapped[dict[str, Any] | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    points: Mapped[list["ForecastPoint"]] = relationship(
        back_populates="run", order_by="ForecastPoint.id", cascade="all, delete-orphan",
        passive_deletes=True)


class ForecastPoint(Base):
    """The forecast of one series (``unique_id``: a group, or ``total``) for one period starting ``ds``."""

    __tablename__ = "forecast_points"
    __table_args__ = (UniqueConstraint("run_id", "unique_id", "ds"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("forecast_runs.id", ondelete="CASCADE"), index=True)
    unique_id: Mapped[str] = mapped_column(String(200))
    ds: Mapped[date]
    period_end: Mapped[date]
    # Estimates, not booked money: floats (intervals may dip below zero); the booked actual is exact.
    mean: Mapped[float]
    lo_80: Mapped[float | None]
    hi_80: Mapped[float | None]
    lo_95: Mapped[float | None]
    hi_95: Mapped[float | None]
    actual: Mapped[Decimal | None] = money()
    actual_filled_at: Mapped[datetime | None]

    run: Mapped[ForecastRun] = relationship(back_populates="points")


class ForecastDealSnapshot(Base):
    """One open deal as a pipeline run saw it: stage, amount, close date and its probabilities."""

    __tablename__ = "forecast_deal_snapshots"
    __table_args__ = (UniqueConstraint("run_id", "deal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("forecast_runs.id", ondelete="CASCADE"), index=True)
    deal_id: Mapped[int] = mapped_column(index=True)  # no foreign key: the snapshot outlives a deleted deal
    name: Mapped[str | None] = mapped_column(String(255))
    owner_id: Mapped[int | None]
    stage: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal | None] = money()
    currency: Mapped[str] = currency()
    close_date: Mapped[date | None]
    win_probability: Mapped[float]
    p_in_period: Mapped[float]
