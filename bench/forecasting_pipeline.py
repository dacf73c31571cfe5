"""Pipeline forecast backtest on the demo company: quarter bookings forecast from the pipeline as it stood.

For each past quarter and two forecast days (its first day, and 30 days in), the pipeline is
rebuilt as it stood that day (``open_deals_frame``: stage, amount and close date from the deal
history, win probabilities from stage win rates learned on deals closed before that day), the
simulator learns its slip model and run-rate from deals closed before that day, and the
quarter's bookings are forecast. Nothing after the forecast day is read. The actual is the won
amount closed in the quarter. Two baselines are computed in the same run: the CRM's
"weighted pipeline" (won so far + amount × stage win rate of open deals expected to close in
the quarter) and the previous quarter's bookings.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from bench.scoring import machine
from salesmind.core.db import Database
from salesmind.core.settings import Settings
from salesmind.demo import build_demo
from salesmind.forecasting.crm_data import closed_deals_frame, open_deals_frame
from salesmind.forecasting.pipeline import PipelineSimulator

DEMO_AS_OF = datetime(2026, 11, 1, tzinfo=timezone.utc)
QUARTERS = 6
OFFSETS = (0, 30)


def quarters_before(day: datetime, n: int) -> list[tuple[date, date]]:
    """The ``n`` complete quarters before ``day``, oldest first, as (first day, last day)."""
    current = pd.Timestamp(day.date()).to_period("Q")
    periods = [current - k for k in range(n, 0, -1)]
    return [(p.start_time.date(), p.end_time.date()) for p in periods]


def previous_quarter(start: date) -> tuple[date, date]:
    """First and last day of the quarter before the one starting on ``start``."""
    before = pd.Timestamp(start).to_period("Q") - 1
    return before.start_time.date(), before.end_time.date()


def won_between(closed: pd.DataFrame, start: date, end: date) -> float:
    """Won amount of deals closed from ``start`` to ``end`` (inclusive days)."""
    at = pd.to_datetime(closed["closed_at"], utc=True).dt.date
    inside = (closed["won"] == 1) & (at >= start) & (at <= end)
    return float(closed.loc[inside, "amount"].sum())


def backtest(database: Database, quarters: list[tuple[date, date]]) -> pd.DataFrame:
    """One row per (quarter, forecast day): forecast, range, baselines and actual."""
    rows = []
    with database.sessions() as session:
        everything = closed_deals_frame(session, DEMO_AS_OF)
        for start, end in quarters:
            actual = won_between(everything, start, end)
            for offset in OFFSETS:
                as_of = datetime.combine(start + timedelta(days=offset), datetime.min.time(), timezone.utc)
                deals = open_deals_frame(session, as_of)
                closed = closed_deals_frame(session, as_of)
                won_so_far = won_between(closed, start, (as_of - timedelta(seconds=1)).date()) if offset else 0.0
                forecast = PipelineSimulator(random_state=0).fit(closed).simulate(
                    deals, start, end, as_of, won_to_date=won_so_far)
                in_quarter = pd.to_datetime(deals["close_date"]).dt.date.between(start, end)
                weighted = won_so_far + float((deals["amount"].fillna(0) * deals["win_probability"])[in_quarter].sum())
                previous = won_between(everything, *previous_quarter(start))
                rows.append({"quarter": f"{pd.Timestamp(start).year}Q{pd.Timestamp(start).quarter}",
                             "day": offset, "open_deals": len(deals), "actual": actual,
                             "p10": forecast.p10, "p50": forecast.p50, "p90": forecast.p90, "mean": forecast.mean,
                             "weighted": weighted, "previous_quarter": previous})
    return pd.DataFrame(rows)


def errors(part: pd.DataFrame, column: str) -> tuple[float, float]:
    """Mean absolute % error and bias (% of the summed actuals) of ``column``, over quarters with bookings."""
    actual, f = part["actual"].to_numpy(), part[column].to_numpy()
    ok = actual > 0
    return (float(np.mean(np.abs(f[ok] - actual[ok]) / actual[ok]) * 100),
            float(np.sum(f[ok] - actual[ok]) / np.sum(actual[ok]) * 100))


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per forecast day and method: mean absolute % error, bias (% of actual), P10-P90 coverage."""
    out = []
    for day, part in frame.groupby("day"):
        for label, column in (("salesmind P50", "p50"), ("salesmind mean", "mean"),
                              ("weighted pipeline (CRM)", "weighted"), ("previous quarter", "previous_quarter")):
            mape, bias = errors(part, column)
            out.append({"day": day, "method": label, "MAPE %": mape, "bias %": bias})
        covered = ((part["actual"] >= part["p10"]) & (part["actual"] <= part["p90"])).mean()
        out.append({"day": day, "method": "salesmind P10-P90 coverage", "MAPE %": np.nan,
                    "bias %": float(covered * 100)})
    return pd.DataFrame(out)


def summary_table(table: pd.DataFrame, method_names: dict[str, str] | None = None) -> list[str]:
    """The markdown lines of :func:`summary` (methods renamed by ``method_names``)."""
    names = method_names or {}
    lines = ["| forecast day | method | MAPE % | bias % (coverage % for the range) |", "|---|---|---|---|"]
    for r in table.itertuples():
        mape = "" if np.isnan(r[3]) else f"{r[3]:.1f}"
        lines.append(f"| +{r.day} d | {names.get(r.method, r.method)} | {mape} | {r[4]:.1f} |")
    return lines


def run() -> str:
    """Build the small demo company, backtest six quarters, return the markdown section."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.from_env({"SALESMIND_HOME": folder, "SALESMIND_DATABASE_URL":
                                      f"sqlite:///{Path(folder) / 'demo.db'}", "SALESMIND_SECRET_KEY": "bench"})
        database = Database(settings)
        database.migrate()
        build_demo(database, "small", seed=42, as_of=DEMO_AS_OF)
        frame = backtest(database, quarters_before(DEMO_AS_OF, QUARTERS))
        database.dispose()
    table = summary(frame)
    seconds = time.perf_counter() - started
    detail = ["| quarter | forecast day | open deals | actual | P10 | P50 | P90 | weighted pipeline | previous quarter |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in frame.itertuples():
        detail.append(f"| {r.quarter} | +{r.day} d | {r.open_deals} | {r.actual:,.0f} | {r.p10:,.0f} | {r.p50:,.0f} | "
                      f"{r.p90:,.0f} | {r.weighted:,.0f} | {r.previous_quarter:,.0f} |")
    agg = summary_table(table)
    return "\n".join([
        "## Pipeline forecast backtest (`python -m bench forecasting_pipeline`)", "",
        f"Machine: {machine()}.", "",
        "The small demo company (seed 42, as of 2026-11-01) is built into a temporary SQLite file. For each of",
        f"the last {QUARTERS} complete quarters, on its first day and 30 days in, the pipeline is rebuilt as it",
        "stood that day from the deal history (no later information), `PipelineSimulator` (10,000 draws) learns",
        "its slip model and run-rate from deals closed before that day and forecasts the quarter's bookings.",
        "Win probabilities are stage win rates learned before that day (stored deal scores are not used, since",
        "the demo's scores are all made today). Baselines in the same run: the CRM's weighted pipeline",
        "(won so far + amount × stage win rate of open deals expected to close in the quarter) and the",
        "previous quarter's bookings.", "",
        *agg, "", *detail, "",
        f"Wall time: {seconds:.0f} s. The same backtest on the Maven CRM opportunities data is the section",
        "`forecasting_pipeline_maven`.",
    ])
