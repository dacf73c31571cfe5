"""Store and read forecast runs: the run, its points and (for pipeline runs) the deals it saw."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any, Iterable

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesmind.core.errors import NotFound, UserInputError
from salesmind.data.models import ForecastDealSnapshot, ForecastPoint, ForecastRun
from salesmind.data.models.forecasting import RUN_KINDS

POINT_COLUMNS = ("unique_id", "ds", "period_end", "mean", "lo_80", "hi_80", "lo_95", "hi_95")
SNAPSHOT_COLUMNS = ("deal_id", "name", "owner_id", "stage", "amount", "currency", "close_date", "win_probability",
                    "p_in_period")
MAX_RUNS = 500


def _value(x: Any) -> Any:
    """A plain Python value for the database (NaN and NaT become ``None``)."""
    if x is None:
        return None
    if isinstance(x, float) and math.isnan(x):
        return None
    if x is pd.NaT:
        return None
    if isinstance(x, pd.Timestamp):
        return x.date()
    if hasattr(x, "item"):  # numpy scalars
        return _value(x.item())
    return x


def jsonable(data: Any) -> Any:
    """``data`` with numpy numbers and dates as plain JSON values, and NaN as ``None``."""
    if isinstance(data, dict):
        return {str(k): jsonable(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [jsonable(v) for v in data]
    if hasattr(data, "tolist"):  # numpy scalars and arrays
        return jsonable(data.tolist())
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if data is pd.NaT:
        return None
    if hasattr(data, "isoformat"):
        return data.isoformat()
    return data


def _rows(frame: pd.DataFrame | None, columns: Iterable[str]) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    present = [c for c in columns if c in frame.columns]
    return [{c: _value(v) for c, v in zip(present, row)} for row in frame[present].itertuples(index=False)]


def save_run(session: Session, *, kind: str, as_of: datetime, summary: dict[str, Any],
             params: dict[str, Any] | None = None, points: pd.DataFrame | None = None,
             deals: pd.DataFrame | None = None, freq: str | None = None, group_by: str | None = None,
             horizon: int | None = None, period_start: date | None = None, period_end: date | None = None,
             created_by_id: int | None = None) -> ForecastRun:
    """Write one run with its points (columns :data:`POINT_COLUMNS`) and deal snapshot (:data:`SNAPSHOT_COLUMNS`)."""
    if kind not in RUN_KINDS:
        raise UserInputError(f"forecast kind {kind!r} is not one of {', '.join(RUN_KINDS)}")
    run = ForecastRun(kind=kind, as_of=as_of, freq=freq, group_by=group_by, horizon=horizon,
                      period_start=period_start, period_end=period_end, params=jsonable(params or {}),
                      summary=jsonable(summary),
                      created_by_id=created_by_id)
    session.add(run)
    session.flush()
    session.add_all(ForecastPoint(run_id=run.id, **row) for row in _rows(points, POINT_COLUMNS))
    snapshot = []
    for row in _rows(deals, SNAPSHOT_COLUMNS):
        row["win_probability"] = float(row.get("win_probability") or 0.0)
        row["p_in_period"] = float(row.get("p_in_period") or 0.0)
        row["currency"] = row.get("currency") or "USD"
        row["stage"] = row.get("stage") or "unknown"
        snapshot.append(ForecastDealSnapshot(run_id=run.id, **row))
    session.add_all(snapshot)
    session.flush()
    return run


def get_run(session: Session, run_id: int) -> ForecastRun:
    """One stored run, or :class:`NotFound`."""
    run = session.get(ForecastRun, run_id)
    if run is None:
        raise NotFound(f"forecast run {run_id} not found")
    return run


def list_runs(session: Session, kind: str | None = None, limit: int = 50) -> list[ForecastRun]:
    """Stored runs, newest first (by ``as_of``, then id)."""
    if kind is not None and kind not in RUN_KINDS:
        raise UserInputError(f"forecast kind {kind!r} is not one of {', '.join(RUN_KINDS)}")
    stmt = select(ForecastRun).order_by(ForecastRun.as_of.desc(), ForecastRun.id.desc()).limit(min(limit, MAX_RUNS))
    if kind is not None:
        stmt = stmt.where(ForecastRun.kind == kind)
    return list(session.scalars(stmt))


def run_points(session: Session, run_id: int) -> list[ForecastPoint]:
    """The points of one run, by series then period."""
    stmt = select(ForecastPoint).where(ForecastPoint.run_id == run_id).order_by(ForecastPoint.unique_id,
                                                                               ForecastPoint.ds)
    return list(session.scalars(stmt))


def run_deals(session: Session, run_id: int) -> list[ForecastDealSnapshot]:
    """The deals a pipeline run saw."""
    stmt = select(ForecastDealSnapshot).where(ForecastDealSnapshot.run_id == run_id) \
        .order_by(ForecastDealSnapshot.deal_id)
    return list(session.scalars(stmt))


def previous_pipeline_run(session: Session, run: ForecastRun) -> ForecastRun | None:
    """The latest pipeline run for the same period made as of an earlier time (what "last week" compares to)."""
    stmt = (select(ForecastRun)
            .where(ForecastRun.kind == "pipeline", ForecastRun.period_start == run.period_start,
                   ForecastRun.period_end == run.period_end, ForecastRun.id != run.id,
                   (ForecastRun.as_of < run.as_of) | ((ForecastRun.as_of == run.as_of) & (ForecastRun.id < run.id)))
            .order_by(ForecastRun.as_of.desc(), ForecastRun.id.desc()).limit(1))
    return session.scalars(stmt).first()


def latest_run(session: Session, kind: str) -> ForecastRun | None:
    """The newest run of a kind (by ``as_of``), or ``None``."""
    runs = list_runs(session, kind, limit=1)
    return runs[0] if runs else None


def count_runs(session: Session) -> int:
    """How many runs are stored."""
    return int(session.scalar(select(func.count(ForecastRun.id))) or 0)
