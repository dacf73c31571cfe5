"""Make forecasts and store them: bookings from history (ensemble of time-series models) and the pipeline.

Both functions read the CRM as it stood at ``as_of`` (nothing later), forecast, and store the run
with its points (and, for a pipeline run, every open deal it saw) so that accuracy can be tracked
and two runs compared later. They return the stored :class:`ForecastRun`.
"""

from __future__ import annotations

import os

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Callable

import numpy as np
import pandas as pd
from sqlalchemy import select

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.core.timeutil import ensure_utc
from salesmind.data.models import ForecastRun, Opportunity
from salesmind.forecasting.store import save_run

#: CLI / API names of the bookings frequencies -> (pandas period-start alias, season length).
FREQUENCIES = {"week": ("W-MON", 52), "month": ("MS", 12), "quarter": ("QS", 4)}
PERIODS = ("month", "quarter")
GROUPINGS = ("team", "region", "product", "owner")
HISTOGRAM_BINS = 40
Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    return None


def freq_alias(freq: str) -> tuple[str, int]:
    """``"month"`` (or ``"MS"``) -> ``("MS", 12)``; refuses unknown names."""
    for name, (alias, season) in FREQUENCIES.items():
        if freq in (name, alias):
            return alias, season
    raise UserInputError(f"unknown frequency {freq!r}; use one of {', '.join(FREQUENCIES)}")


def period_end(ds: date, alias: str) -> date:
    """The last day of the period that starts on ``ds``."""
    return (pd.Timestamp(ds) + pd.tseries.frequencies.to_offset(alias) - pd.Timedelta(days=1)).date()


#: Dates a forecast may be about (pandas' timestamps end in 2262; no CRM starts before 1900).
EARLIEST, LATEST = date(1900, 1, 1), date(2200, 12, 31)


def check_day(day: date, what: str) -> None:
    """A clear error for a date no CRM covers (it would otherwise fail deep inside pandas)."""
    if not EARLIEST <= day <= LATEST:
        raise UserInputError(f"{what} {day.isoformat()} is outside {EARLIEST.year}-{LATEST.year}: pick a date "
                             "your CRM covers")


def period_bounds(day: date, period: str) -> tuple[date, date]:
    """First and last day of the month or quarter that contains ``day``."""
    check_day(day, "the period's day")
    if period not in PERIODS:
        raise UserInputError(f"unknown period {period!r}; use one of {', '.join(PERIODS)}")
    p = pd.Timestamp(day).to_period("M" if period == "month" else "Q")
    return p.start_time.date(), p.end_time.date()

#: A Dask scheduler address; when set, history forecasts run on that cluster.
DASK_ENV = "SALESMIND_DASK_SCHEDULER"


def _check_group(group_by: str | None) -> None:
    if group_by is not None and group_by not in GROUPINGS:
        raise UserInputError(f"cannot group bookings by {group_by!r}; use one of {', '.join(GROUPINGS)}")


def run_history_forecast(database: Database, *, as_of: datetime, freq: str = "month", group_by: str | None = None,
                         horizon: int = 3, n_jobs: int = 1, forecaster: Any = None,
                         created_by_id: int | None = None, progress: Progress = _quiet) -> ForecastRun:
    """Forecast bookings for the next ``horizon`` periods per group from complete periods before ``as_of``."""
    from salesmind.forecasting.crm_data import bookings_history

    as_of = ensure_utc(as_of)
    check_day(as_of.date(), "as of")
    alias, season = freq_alias(freq)
    _check_group(group_by)
    if not 1 <= horizon <= 60:
        raise UserInputError(f"horizon {horizon} must be between 1 and 60 periods")
    progress("reading bookings history")
    with database.transaction() as session:
        history = bookings_history(session, alias, group_by, as_of)
    if history.empty or float(history["y"].sum()) == 0.0:
        raise UserInputError(f"no won deals closed before {as_of.date()}: there is no bookings history to forecast")
    if forecaster is None:
        from salesmind.forecasting.distributed import client_from_settings
        from salesmind.forecasting.timeseries import EnsembleForecaster

        forecaster = EnsembleForecaster(freq=alias, season_length=season, horizon=horizon, n_jobs=n_jobs,
                                        dask_client=client_from_settings(os.environ.get(DASK_ENV)))
    progress(f"fitting {history['unique_id'].nunique()} series")
    forecast = forecaster.fit(history).predict()
    points = forecast.copy()
    points["ds"] = pd.to_datetime(points["ds"]).dt.date
    points["period_end"] = [period_end(d, alias) for d in points["ds"]]
    points["unique_id"] = points["unique_id"].astype(str)
    members = getattr(forecaster, "members_", None) or {}
    methods = getattr(forecaster, "interval_method_", None) or {}
    totals = points.groupby("ds")["mean"].sum()
    summary = {
        "series": int(history["unique_id"].nunique()),
        "history_start": pd.Timestamp(history["ds"].min()).date().isoformat(),
        "history_end": pd.Timestamp(history["ds"].max()).date().isoformat(),
        "history_periods": int(history["ds"].nunique()),
        "next_period_mean": float(totals.iloc[0]) if len(totals) else None,
        "horizon_mean": float(totals.sum()),
        "members": {str(k): ("+".join(v) if isinstance(v, (list, tuple)) else str(v)) for k, v in members.items()},
        "interval_method": {str(k): str(v) for k, v in methods.items()},
    }
    progress("storing the forecast")
    with database.transaction() as session:
        run = save_run(session, kind="history", as_of=as_of, freq=alias, group_by=group_by, horizon=horizon,
                       period_start=min(points["ds"]), period_end=max(points["period_end"]),
                       params={"freq": freq, "group_by": group_by, "horizon": horizon,
                               "forecaster": type(forecaster).__name__},
                       summary=summary, points=points, created_by_id=created_by_id)
    return run


def _owners_and_currency(session: Any, deal_ids: list[int]) -> pd.DataFrame:
    rows: list[tuple[int, int | None, str]] = []
    for start in range(0, len(deal_ids), 900):
        chunk = deal_ids[start:start + 900]
        rows += session.execute(select(Opportunity.id, Opportunity.owner_id, Opportunity.currency)
                                .where(Opportunity.id.in_(chunk))).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["deal_id", "owner_id", "currency"])


def _won_to_date(closed: pd.DataFrame, start: date, as_of: datetime) -> float:
    if closed.empty:
        return 0.0
    at = pd.to_datetime(closed["closed_at"], utc=True)
    inside = (closed["won"] == 1) & (at >= pd.Timestamp(start, tz="UTC")) & (at <= pd.Timestamp(as_of))
    return float(closed.loc[inside, "amount"].sum())


def _pipeline_summary(fc: Any, owner_of: dict[int, int | None]) -> dict[str, Any]:
    samples = np.asarray(fc.samples, dtype=float)
    summary = fc.to_dict(n_samples=0)
    counts, edges = np.histogram(samples, bins=HISTOGRAM_BINS) if len(samples) else (np.array([]), np.array([]))
    summary["histogram"] = {"counts": [int(c) for c in counts], "edges": [float(e) for e in edges]}
    summary["lo_95"], summary["hi_95"] = (float(x) for x in np.quantile(samples, [0.025, 0.975]))
    summary["sd"] = float(samples.std())
    for driver in summary.get("drivers", []):
        driver["owner_id"] = owner_of.get(int(driver["deal_id"]))
    return summary


def run_pipeline_forecast(database: Database, *, as_of: datetime, period: str = "quarter",
                          period_of: date | None = None, n_simulations: int = 10_000, random_state: int = 0,
                          simulator: Any = None, created_by_id: int | None = None,
                          progress: Progress = _quiet) -> ForecastRun:
    """Simulate the bookings of the month/quarter containing ``period_of`` (default: ``as_of``) from the pipeline."""
    from salesmind.forecasting.crm_data import closed_deals_frame, open_deals_frame

    as_of = ensure_utc(as_of)
    check_day(as_of.date(), "as of")
    start, end = period_bounds(period_of or as_of.date(), period)
    if end < as_of.date():
        raise UserInputError(f"the {period} {start} – {end} ended before {as_of.date()}; pick a later period")
    if not 1_000 <= n_simulations <= 1_000_000:
        raise UserInputError(f"simulations {n_simulations} must be between 1,000 and 1,000,000")
    progress("reading the pipeline")
    with database.transaction() as session:
        deals = open_deals_frame(session, as_of)
        closed = closed_deals_frame(session, as_of)
        extra = _owners_and_currency(session, [int(d) for d in deals["deal_id"]])
    if simulator is None:
        from salesmind.forecasting.pipeline import PipelineSimulator

        simulator = PipelineSimulator(n_simulations=n_simulations, random_state=random_state)
    progress(f"simulating {len(deals):,} open deals")
    won_to_date = _won_to_date(closed, start, as_of)
    forecast = simulator.fit(closed).simulate(deals, start, end, as_of, won_to_date=won_to_date)
    snapshot = deals.merge(forecast.drivers[["deal_id", "p_in_period"]], on="deal_id", how="left") \
        .merge(extra, on="deal_id", how="left")
    snapshot["amount"] = snapshot["amount"].map(lambda a: None if pd.isna(a) else Decimal(str(round(float(a), 2))))
    owner_of = dict(zip(extra["deal_id"].astype(int), extra["owner_id"].map(lambda o: None if pd.isna(o) else int(o))))
    summary = _pipeline_summary(forecast, owner_of)
    summary["open_deals"] = int(len(deals))
    point = pd.DataFrame([{"unique_id": "total", "ds": start, "period_end": end, "mean": forecast.mean,
                           "lo_80": forecast.p10, "hi_80": forecast.p90, "lo_95": summary["lo_95"],
                           "hi_95": summary["hi_95"]}])
    progress("storing the forecast")
    with database.transaction() as session:
        run = save_run(session, kind="pipeline", as_of=as_of, period_start=start, period_end=end,
                       params={"period": period, "n_simulations": n_simulations, "random_state": random_state},
                       summary=summary, points=point, deals=snapshot, created_by_id=created_by_id)
    return run


def days_before(moment: datetime, days: int) -> datetime:
    """``moment`` minus whole days (for a baseline run "as of last week")."""
    return moment - timedelta(days=days)
