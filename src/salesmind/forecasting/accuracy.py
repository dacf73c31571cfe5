"""Forecast accuracy over time: fill in the actuals of stored points whose periods have ended, then score them.

Metrics, over points with a known actual:

- MAPE: mean of ``|forecast - actual| / actual`` over points whose actual is not zero;
- bias: ``sum(forecast - actual) / sum(actual)`` (positive: forecasts ran high);
- coverage 80 / 95: the share of actuals inside the 80% / 95% interval (well calibrated: 0.80 / 0.95).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesmind.data.models import ForecastPoint, ForecastRun, Opportunity, Outcome

#: ``(session, run, until) -> {(unique_id, ds): actual}`` for one history run.
ActualsLoader = Callable[[Session, ForecastRun, datetime], dict[tuple[str, date], float]]


@dataclass(frozen=True)
class Accuracy:
    """Accuracy of a set of points."""

    n: int
    mape: float | None
    bias: float | None
    coverage_80: float | None
    coverage_95: float | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description."""
        return asdict(self)


def score_points(frame: pd.DataFrame) -> Accuracy:
    """MAPE, bias and interval coverage of a frame with ``mean, lo_80, hi_80, lo_95, hi_95, actual``."""
    known = frame.dropna(subset=["actual"]) if len(frame) else frame
    if known.empty:
        return Accuracy(0, None, None, None, None)
    f = known["mean"].astype(float).to_numpy()
    a = known["actual"].astype(float).to_numpy()
    nonzero = a != 0
    mape = float(np.mean(np.abs(f[nonzero] - a[nonzero]) / np.abs(a[nonzero]))) if nonzero.any() else None
    total = float(np.sum(a))
    bias = float(np.sum(f - a) / total) if total else None

    def coverage(level: int) -> float | None:
        lo, hi = known[f"lo_{level}"], known[f"hi_{level}"]
        ok = lo.notna() & hi.notna()
        if not ok.any():
            return None
        inside = (a[ok.to_numpy()] >= lo[ok].astype(float).to_numpy()) & (a[ok.to_numpy()] <= hi[ok].astype(float).to_numpy())
        return float(np.mean(inside))

    return Accuracy(int(len(known)), mape, bias, coverage(80), coverage(95))


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def won_between(session: Session, start: date, end: date) -> float:
    """Bookings: the amount of deals won from ``start`` through ``end`` (inclusive days)."""
    stmt = select(func.coalesce(func.sum(Opportunity.amount), 0)).where(
        Opportunity.outcome == Outcome.WON, Opportunity.closed_at >= _start(start),
        Opportunity.closed_at < _start(end + timedelta(days=1)))
    return float(session.scalar(stmt) or 0)


def history_actuals(session: Session, run: ForecastRun, until: datetime) -> dict[tuple[str, date], float]:
    """Bookings per series and period for a history run, from :func:`bookings_history` (same grouping)."""
    from salesmind.forecasting.crm_data import bookings_history

    frame = bookings_history(session, run.freq or "MS", run.group_by, until)
    return {(str(u), pd.Timestamp(d).date()): float(y) for u, d, y in frame[["unique_id", "ds", "y"]].itertuples(
        index=False)}


def fill_actuals(session: Session, now: datetime, *, loader: ActualsLoader | None = None) -> int:
    """Set ``actual`` on every stored point whose period ended before ``now``; returns how many were filled.

    Points already filled are computed again, so late-booked deals and corrections are picked up.
    """
    load = loader or history_actuals
    ended = select(ForecastPoint).where(ForecastPoint.period_end < now.date())
    points = list(session.scalars(ended))
    runs = {r.id: r for r in session.scalars(select(ForecastRun).where(
        ForecastRun.id.in_({p.run_id for p in points})))} if points else {}
    cache: dict[tuple[str | None, str | None], dict[tuple[str, date], float]] = {}
    filled = 0
    for point in points:
        run = runs[point.run_id]
        if run.kind == "pipeline":
            value = won_between(session, point.ds, point.period_end)
        else:
            key = (run.freq, run.group_by)
            if key not in cache:
                cache[key] = load(session, run, now)
            found = cache[key].get((point.unique_id, point.ds))
            if found is None:
                continue
            value = found
        point.actual = Decimal(str(round(value, 2)))
        point.actual_filled_at = now
        filled += 1
    session.flush()
    return filled


def points_frame(session: Session, kind: str | None = None) -> pd.DataFrame:
    """Every stored point with its run's kind, ``as_of`` and created time."""
    stmt = select(ForecastPoint.run_id, ForecastRun.kind, ForecastRun.as_of, ForecastPoint.unique_id,
                  ForecastPoint.ds, ForecastPoint.period_end, ForecastPoint.mean, ForecastPoint.lo_80,
                  ForecastPoint.hi_80, ForecastPoint.lo_95, ForecastPoint.hi_95, ForecastPoint.actual
                  ).join(ForecastRun, ForecastRun.id == ForecastPoint.run_id)
    if kind is not None:
        stmt = stmt.where(ForecastRun.kind == kind)
    rows = session.execute(stmt).all()
    cols = ["run_id", "kind", "as_of", "unique_id", "ds", "period_end", "mean", "lo_80", "hi_80", "lo_95",
            "hi_95", "actual"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["actual"] = frame["actual"].map(lambda v: None if v is None else float(v)).astype(float)
    return frame


def accuracy_by_run(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per run (oldest first): its accuracy over the points whose actuals are known."""
    rows = []
    for (run_id, kind, as_of), group in frame.groupby(["run_id", "kind", "as_of"], sort=False):
        acc = score_points(group)
        if acc.n:
            rows.append({"run_id": int(run_id), "kind": kind, "as_of": as_of, **acc.to_dict()})
    cols = ["run_id", "kind", "as_of", "n", "mape", "bias", "coverage_80", "coverage_95"]
    return pd.DataFrame(rows, columns=cols).sort_values(["as_of", "run_id"]).reset_index(drop=True)


def rolling_accuracy(frame: pd.DataFrame, window: int = 4) -> pd.DataFrame:
    """Per run (oldest first), the accuracy pooled over that run's points and those of the ``window - 1`` before it."""
    runs = accuracy_by_run(frame)
    rows = []
    for i, run in runs.iterrows():
        ids = set(runs["run_id"].iloc[max(0, i - window + 1): i + 1])  # type: ignore[operator]
        acc = score_points(frame[frame["run_id"].isin(ids)])
        rows.append({"run_id": run["run_id"], "kind": run["kind"], "as_of": run["as_of"], **acc.to_dict()})
    return pd.DataFrame(rows, columns=list(runs.columns))


def accuracy_report(session: Session, kind: str | None = None, window: int = 4) -> dict[str, Any]:
    """Overall, per-run and rolling accuracy of stored forecasts (actuals as last filled)."""
    frame = points_frame(session, kind)
    per_run = accuracy_by_run(frame)
    rolling = rolling_accuracy(frame, window)

    def records(df: pd.DataFrame) -> list[dict[str, Any]]:
        out = df.to_dict(orient="records")
        for row in out:
            row["as_of"] = pd.Timestamp(row["as_of"]).isoformat()
            for k, v in row.items():
                if isinstance(v, float) and np.isnan(v):
                    row[k] = None
        return out

    return {"overall": score_points(frame).to_dict(), "window": window, "runs": records(per_run),
            "rolling": records(rolling),
            "pending_points": int(frame["actual"].isna().sum()) if len(frame) else 0}
