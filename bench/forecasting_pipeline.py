"""Pipeline forecast backtest on the demo companies: quarter bookings forecast from the pipeline as it stood.

For each past quarter and two forecast days (its first day, and 30 days in), the pipeline is
rebuilt as it stood that day (``open_deals_frame``: stage, amount and close date from the deal
history), the simulator learns its slip model and run-rate from deals closed before that day, and
the quarter's bookings are forecast twice: with stage win rates learned on deals closed before
that day, and with point-in-time deal-model probabilities (the product's deal model trained that
day on deals closed before it, see :mod:`bench._pit_deal_scores`). Nothing after the forecast day
is read. The actual is the won amount closed in the quarter. Baselines in the same run: the CRM's
"weighted pipeline" (won so far + amount × win probability of open deals expected to close in
the quarter) with each probability source, and the previous quarter's bookings. Demo sizes come
from ``SALESMIND_BENCH_PIPELINE_SIZES`` (default ``small,medium``).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from bench._large_demo import ROOT, cached_database
from bench._pit_deal_scores import (
    all_training_rows,
    check_cut_matches,
    rows_closed_before,
    score_open_deals,
    with_model_probabilities,
)
from bench.manager_dashboard import ensure_demo
from bench.scoring import machine
from salesmind.core.db import Database
from salesmind.forecasting.crm_data import closed_deals_frame, open_deals_frame
from salesmind.forecasting.pipeline import PipelineSimulator

DEMO_AS_OF = datetime(2026, 11, 1, tzinfo=UTC)
#: Quarters backtested per demo size (the medium company's history starts in May 2024).
QUARTERS = {"small": 6, "medium": 8}
#: The demo sizes backtested (``SALESMIND_BENCH_PIPELINE_SIZES=small`` gives a quicker run).
SIZES = [s.strip() for s in os.environ.get("SALESMIND_BENCH_PIPELINE_SIZES", "small,medium").split(",") if s.strip()]
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


def _forecast(closed: pd.DataFrame, deals: pd.DataFrame, start: date, end: date, as_of: datetime,
              won_so_far: float) -> dict[str, float]:
    """Simulator range and mean, and the weighted pipeline, from ``deals``' ``win_probability``."""
    forecast = PipelineSimulator(random_state=0).fit(closed).simulate(deals, start, end, as_of, won_to_date=won_so_far)
    in_quarter = pd.to_datetime(deals["close_date"]).dt.date.between(start, end)
    weighted = won_so_far + float((deals["amount"].fillna(0) * deals["win_probability"])[in_quarter].sum())
    return {"p10": forecast.p10, "p50": forecast.p50, "p90": forecast.p90, "mean": forecast.mean,
            "weighted": weighted}


def backtest(database: Database, quarters: list[tuple[date, date]], check_cut: int = 0) -> pd.DataFrame:
    """One row per (quarter, forecast day): forecasts and weighted pipelines with stage win rates and with the
    point-in-time deal model's probabilities (columns prefixed ``model_``), previous quarter and actual.

    The first ``check_cut`` forecast days also check that the training rows cut from the full frame equal
    the frame the product builds as of that day (:func:`bench._pit_deal_scores.check_cut_matches`).
    """
    rows = []
    with database.sessions() as session:
        everything = closed_deals_frame(session, DEMO_AS_OF)
        closed_at = everything.set_index("deal_id")["closed_at"]
        training = all_training_rows(session, DEMO_AS_OF)
        checked = 0
        for start, end in quarters:
            actual = won_between(everything, start, end)
            previous = won_between(everything, *previous_quarter(start))
            for offset in OFFSETS:
                as_of = datetime.combine(start + timedelta(days=offset), datetime.min.time(), UTC)
                deals = open_deals_frame(session, as_of)
                closed = closed_deals_frame(session, as_of)
                won_so_far = won_between(closed, start, (as_of - timedelta(seconds=1)).date()) if offset else 0.0
                cut = rows_closed_before(training, closed_at, as_of)
                if checked < check_cut:
                    check_cut_matches(session, cut, as_of)
                    checked += 1
                began = time.perf_counter()
                day_model = score_open_deals(session, cut, [int(i) for i in deals["deal_id"]], as_of)
                seconds = time.perf_counter() - began
                scored, unscored = with_model_probabilities(deals, day_model.probabilities)
                stage = _forecast(closed, deals, start, end, as_of, won_so_far)
                model = _forecast(closed, scored, start, end, as_of, won_so_far)
                rows.append({"quarter": f"{pd.Timestamp(start).year}Q{pd.Timestamp(start).quarter}",
                             "day": offset, "open_deals": len(deals), "actual": actual, **stage,
                             **{f"model_{k}": v for k, v in model.items()}, "previous_quarter": previous,
                             "stored_scores": int((deals["probability_source"] == "deal_score").sum()),
                             "not_from_history": int((deals["state_source"] != "history").sum()),
                             "unscored": unscored, "train_rows": day_model.rows, "train_deals": day_model.deals,
                             "model_kind": day_model.model_kind, "model_seconds": seconds,
                             "mean_stage_p": float(deals["win_probability"].mean()) if len(deals) else np.nan,
                             "mean_model_p": float(scored["win_probability"].mean()) if len(deals) else np.nan})
    return pd.DataFrame(rows)


def errors(part: pd.DataFrame, column: str) -> tuple[float, float]:
    """Mean absolute % error and bias (% of the summed actuals) of ``column``, over quarters with bookings."""
    actual, f = part["actual"].to_numpy(), part[column].to_numpy()
    ok = actual > 0
    return (float(np.mean(np.abs(f[ok] - actual[ok]) / actual[ok]) * 100),
            float(np.sum(f[ok] - actual[ok]) / np.sum(actual[ok]) * 100))


#: (label, column) of the forecasts scored by :func:`summary`; the ``model_`` ones when the frame has them.
STAGE_METHODS = (("salesmind P50", "p50"), ("salesmind mean", "mean"), ("weighted pipeline (CRM)", "weighted"))
MODEL_METHODS = (("salesmind P50, deal model", "model_p50"), ("salesmind mean, deal model", "model_mean"),
                 ("weighted pipeline, deal model", "model_weighted"))


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per forecast day and method: mean absolute % error, bias (% of actual), P10-P90 coverage.

    Frames from :func:`backtest` also get the deal-model forecasts and their coverage.
    """
    with_model = "model_p50" in frame.columns
    methods = STAGE_METHODS + (MODEL_METHODS if with_model else ()) + (("previous quarter", "previous_quarter"),)
    ranges = (("salesmind P10-P90 coverage", ""),) + ((("salesmind P10-P90 coverage, deal model", "model_"),)
                                                       if with_model else ())
    out = []
    for day, part in frame.groupby("day"):
        for label, column in methods:
            mape, bias = errors(part, column)
            out.append({"day": day, "method": label, "MAPE %": mape, "bias %": bias})
        for label, prefix in ranges:
            covered = ((part["actual"] >= part[f"{prefix}p10"]) & (part["actual"] <= part[f"{prefix}p90"])).mean()
            out.append({"day": day, "method": label, "MAPE %": np.nan, "bias %": float(covered * 100)})
    return pd.DataFrame(out)


def summary_table(table: pd.DataFrame, method_names: dict[str, str] | None = None) -> list[str]:
    """The markdown lines of :func:`summary` (methods renamed by ``method_names``)."""
    names = method_names or {}
    lines = ["| forecast day | method | MAPE % | bias % (coverage % for the range) |", "|---|---|---|---|"]
    for r in table.itertuples():
        mape = "" if np.isnan(r[3]) else f"{r[3]:.1f}"
        lines.append(f"| +{r.day} d | {names.get(r.method, r.method)} | {mape} | {r[4]:.1f} |")
    return lines


def company(size: str) -> Database:
    """The demo company ``size`` (seed 42, as of 2026-11-01) cached under ``var/bench/<size>`` (built there if
    missing or stale, by ``salesmind demo`` as :mod:`bench.manager_dashboard` does); only read here."""
    folder = ROOT / "var" / "bench" / size
    ensure_demo(folder, size)
    return cached_database(folder)


def size_section(size: str) -> str:
    """Backtest the demo company ``size`` and return its markdown part."""
    started = time.perf_counter()
    database = company(size)
    quarters = QUARTERS.get(size, 8)
    check = 2 * quarters if size == "small" else 1
    frame = backtest(database, quarters_before(DEMO_AS_OF, quarters), check_cut=check)
    database.dispose()
    seconds = time.perf_counter() - started
    names = {"salesmind P50": "salesmind P50, stage win rates", "salesmind mean": "salesmind mean, stage win rates",
             "weighted pipeline (CRM)": "weighted pipeline (CRM), stage win rates",
             "salesmind P10-P90 coverage": "salesmind P10-P90 coverage, stage win rates"}
    detail = [("| quarter | day | open deals | deal model: training snapshots (deals), kind | mean P(win) stage / model "
               "| actual | P10-P50-P90 stage | P10-P50-P90 model | weighted stage | weighted model | previous quarter |"),
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in frame.itertuples():
        kind = "LightGBM" if r.model_kind.startswith("lightgbm") else "cold-start table"
        detail.append(
            f"| {r.quarter} | +{r.day} d | {r.open_deals} | {r.train_rows:,} ({r.train_deals:,}), {kind} | "
            f"{r.mean_stage_p:.2f} / {r.mean_model_p:.2f} | {r.actual:,.0f} | "
            f"{r.p10:,.0f} - {r.p50:,.0f} - {r.p90:,.0f} | {r.model_p10:,.0f} - {r.model_p50:,.0f} - "
            f"{r.model_p90:,.0f} | {r.weighted:,.0f} | {r.model_weighted:,.0f} | {r.previous_quarter:,.0f} |")
    opened = frame["open_deals"]
    checked = "every forecast day" if check >= len(frame) else f"the first of the {len(frame)} forecast days"
    return "\n".join([
        f"### {size.capitalize()} demo company: last {quarters} complete quarters", "",
        (f"Open deals per forecast day: {opened.min()}-{opened.max()} (median {opened.median():.0f}). Stored deal "
        f"scores dated on or before a forecast day: {int(frame['stored_scores'].sum())} (so the stage-rate run uses "
        f"stage win rates only). Open deals whose stage, amount and close date on the day are not from a history "
        f"row dated by then: {int(frame['not_from_history'].sum())}. Open deals the deal model could not score "
        f"(kept their stage rate): {int(frame['unscored'].sum())}. Deal model training plus scoring: "
        f"{frame['model_seconds'].sum():.0f} s in all (median {frame['model_seconds'].median():.0f} s, at most "
        f"{frame['model_seconds'].max():.0f} s per forecast day, on the shared machine); the training rows cut from the "
        f"full frame were checked equal to the frame the product builds as of the day on {checked}."), "",
        *summary_table(summary(frame), names), "", *detail, "",
        f"Wall time ({size}): {seconds:.0f} s.", ""])


def run() -> str:
    """Backtest the demo companies of ``SIZES`` and return the markdown section."""
    started = time.perf_counter()
    parts = [size_section(size) for size in SIZES]
    seconds = time.perf_counter() - started
    return "\n".join([
        "## Pipeline forecast backtest (`python -m bench forecasting_pipeline`)", "",
        f"Machine: {machine()}.", "",
        f"Demo companies: {', '.join(SIZES)} (seed 42, as of 2026-11-01; cached under `var/bench/<size>` by",
        "`salesmind demo`, only read here). For each of the last complete quarters, on its first day and 30 days",
        "in, the pipeline is rebuilt as it stood that day from the deal history (`open_deals_frame`, no later",
        "information), `PipelineSimulator` (10,000 draws) learns its slip model and run-rate from deals closed",
        "before that day and forecasts the quarter's bookings, twice, with two sources of each open deal's win",
        "probability:", "",
        "- *stage win rates*: the win rate of the deal's stage among deals closed before that day (what",
        "  `open_deals_frame` falls back to without stored deal scores; the demo's stored scores are all made",
        "  on 2026-11-01, so none is used);",
        "- *deal model*: on every forecast day (both the first day and +30 d; no model is reused across days),",
        "  the product's deal model (the calibrated LightGBM `TabularScorer` of `salesmind score crm-train",
        "  --kind deal`, same settings: tuned, 5 group folds by deal, linear member, 2 threads) is trained on the",
        "  product's point-in-time deal training frame restricted to deals closed strictly before that day",
        "  (snapshots a day after creation and every 14 days while open, features as of each snapshot), and the",
        "  deals open that day are scored with their features as of that day (the product's scoring path,",
        "  `feature_rows`). Unlike `crm-train`, all those rows train the model (no newest 20% held out to compare",
        "  versions): the backtest itself is the test. Below 1,000 snapshots or 120 of the rarer outcome the",
        "  product serves its cold-start naive-Bayes table instead, and so does the backtest (column *kind*).",
        "  The fields the CRM keeps no history of (competitor, lead source) are taken as known from a deal's",
        "  creation, as in the product's training.", "",
        "Baselines in the same run: the CRM's weighted pipeline (won so far + amount × win probability of open",
        "deals expected to close in the quarter), with each probability source, and the previous quarter's",
        "bookings. MAPE and bias are over quarters; coverage is the share of quarters whose actual falls in",
        "P10-P90 (with 6-8 quarters per day, one quarter moves it by 12-17 points).", "",
        *parts,
        f"Wall time: {seconds:.0f} s in all. The same backtest on the Maven CRM opportunities data is the section",
        "`forecasting_pipeline_maven`.",
    ])
