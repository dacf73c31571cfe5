"""Pipeline forecast backtest on the Maven CRM opportunities data (simulated by its publisher).

``../shared/data/maven_crm_opportunities``: 8,800 opportunities of a computer-hardware seller,
engaged 2016-10-20 to 2017-12-22 and closed up to 2017-12-31. The file keeps only each deal's
final state, so the pipeline as it stood on a past day is rebuilt from what that state implies:

* a deal is **open** on day t when it was engaged before t and either closed on or after t (won
  or lost) or is still "Engaging"; "Prospecting" deals have no engage date and are left out;
* its **amount** is the product's list price (``products.csv``; won deals closed at 0.997 of list
  price on average), since open deals carry no value in the file;
* its **win probability** is the win rate of deals closed before t of the same sales agent and
  product, shrunk toward the agent's and then the company's rate (beta prior of 20 deals);
* there is **no expected close date**, so the simulator times each deal from its age (the
  engage-to-close delays of deals won before t) and scales its win probability by its staleness
  (``SlipModel.staleness``); the run-rate of pipeline not yet created is learned from the same
  closed deals. The same run also forecasts without the staleness factor, for comparison.

For each quarter with at least a quarter of history (2017Q2-Q4), on its first day and 30 days
in, `PipelineSimulator` forecasts the quarter's won value; the actual is the ``close_value`` of
deals won in the quarter. Baselines in the same run: the weighted pipeline (won so far + list
price × win probability of every open deal, the CRM figure when no close date is known) and the
previous quarter's bookings.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from bench.forecasting_pipeline import OFFSETS, errors, previous_quarter, summary, summary_table, won_between
from bench.scoring import machine
from salesmind.forecasting.pipeline import PipelineForecast, PipelineSimulator

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "maven_crm_opportunities"
QUARTERS = ((date(2017, 4, 1), date(2017, 6, 30)), (date(2017, 7, 1), date(2017, 9, 30)),
            (date(2017, 10, 1), date(2017, 12, 31)))
PRIOR_DEALS = 20.0
PRODUCT_FIXES = {"GTXPro": "GTX Pro"}  # as shipped: the pipeline spells it without the space


def load(folder: Path = DATA) -> pd.DataFrame:
    """The opportunities with list prices, UTC engage/close times and a won flag."""
    deals = pd.read_csv(folder / "sales_pipeline.csv")
    prices = pd.read_csv(folder / "products.csv").set_index("product")["sales_price"]
    deals["product"] = deals["product"].replace(PRODUCT_FIXES)
    deals["list_price"] = deals["product"].map(prices).astype(float)
    deals["created_at"] = pd.to_datetime(deals["engage_date"], utc=True)
    deals["closed_at"] = pd.to_datetime(deals["close_date"], utc=True)
    deals["won"] = (deals["deal_stage"] == "Won").astype(int)
    deals["amount"] = np.where(deals["won"] == 1, deals["close_value"], 0.0)
    return deals[deals["created_at"].notna()].reset_index(drop=True)


def _at(day: date) -> pd.Timestamp:
    return pd.Timestamp(datetime.combine(day, datetime.min.time(), timezone.utc))


def closed_before(deals: pd.DataFrame, day: date) -> pd.DataFrame:
    """Deals closed (won or lost) before ``day``: what the simulator may learn from."""
    return deals[deals["closed_at"] < _at(day)].copy()


def open_on(deals: pd.DataFrame, day: date) -> pd.DataFrame:
    """Deals engaged before ``day`` and not closed before it."""
    t = _at(day)
    is_open = (deals["created_at"] < t) & (deals["closed_at"].isna() | (deals["closed_at"] >= t))
    return deals[is_open].copy()


def shrunk_rate(wins: pd.Series, counts: pd.Series, prior: pd.Series | float, strength: float) -> pd.Series:
    """(wins + strength × prior) / (count + strength): a beta-binomial mean shrunk toward ``prior``."""
    return (wins + strength * prior) / (counts + strength)


def win_probabilities(open_deals: pd.DataFrame, closed: pd.DataFrame, strength: float = PRIOR_DEALS) -> np.ndarray:
    """Agent × product win rate of deals closed before the day, shrunk to the agent's, then the company's."""
    overall = float(closed["won"].mean()) if len(closed) else 0.5
    agent = closed.groupby("sales_agent")["won"].agg(["sum", "count"])
    agent_rate = shrunk_rate(agent["sum"], agent["count"], overall, strength)
    pair = closed.groupby(["sales_agent", "product"])["won"].agg(["sum", "count"]).reset_index()
    pair["prior"] = pair["sales_agent"].map(agent_rate)
    pair["rate"] = shrunk_rate(pair["sum"], pair["count"], pair["prior"], strength)
    rates = pair.set_index(["sales_agent", "product"])["rate"]
    keys = pd.MultiIndex.from_frame(open_deals[["sales_agent", "product"]])
    out = rates.reindex(keys).to_numpy(float)
    fallback = open_deals["sales_agent"].map(agent_rate).fillna(overall).to_numpy(float)
    return np.where(np.isfinite(out), out, fallback)


def _stale(pipeline: pd.DataFrame, closed: pd.DataFrame, day: date) -> np.ndarray:
    """Open deals older than 95% of the deals won before ``day``."""
    won = closed[closed["won"] == 1]
    limit = np.percentile((won["closed_at"] - won["created_at"]).dt.days, 95)
    return ((_at(day) - pipeline["created_at"]).dt.days > limit).to_numpy()


def stale_deals(pipeline: pd.DataFrame, closed: pd.DataFrame, frame: pd.DataFrame, forecast: PipelineForecast,
                day: date) -> float:
    """The forecast's expected won value in the period from the stale open deals (see :func:`_stale`)."""
    stale = _stale(pipeline, closed, day)
    return float(forecast.drivers.set_index("deal_id").reindex(frame["deal_id"][stale])["expected"].fillna(0).sum())


def stale_won(pipeline: pd.DataFrame, closed: pd.DataFrame, start: date, end: date, day: date) -> float:
    """What the stale open deals really brought in the period."""
    closes = pipeline["closed_at"].dt.date
    delivered = (_stale(pipeline, closed, day) & (pipeline["won"] == 1).to_numpy()
                 & ((closes >= start) & (closes <= end)).to_numpy())
    return float(pipeline.loc[delivered, "close_value"].sum())


def backtest(deals: pd.DataFrame, quarters: tuple[tuple[date, date], ...] = QUARTERS) -> pd.DataFrame:
    """One row per (quarter, forecast day): forecast, range, baselines and actual."""
    everything = deals[deals["closed_at"].notna()]
    rows = []
    for start, end in quarters:
        actual = won_between(everything, start, end)
        previous = won_between(everything, *previous_quarter(start))
        for offset in OFFSETS:
            day = start + timedelta(days=offset)
            closed = closed_before(deals, day)
            pipeline = open_on(deals, day)
            frame = pd.DataFrame({"deal_id": pipeline["opportunity_id"].to_numpy(),
                                  "amount": pipeline["list_price"].to_numpy(float),
                                  "win_probability": win_probabilities(pipeline, closed),
                                  "created_at": pipeline["created_at"].to_numpy(),
                                  "stage": "open"})
            won_so_far = won_between(closed, start, day - timedelta(days=1)) if offset else 0.0
            forecast = PipelineSimulator(random_state=0).fit(closed).simulate(
                frame, start, end, _at(day).to_pydatetime(), won_to_date=won_so_far)
            weighted = won_so_far + float((frame["amount"] * frame["win_probability"]).sum())
            ageless = PipelineSimulator(random_state=0, staleness=False).fit(closed).simulate(
                frame, start, end, _at(day).to_pydatetime(), won_to_date=won_so_far)
            stale_expected = stale_deals(pipeline, closed, frame, forecast, day)
            stale_without = stale_deals(pipeline, closed, frame, ageless, day)
            stale_actual = stale_won(pipeline, closed, start, end, day)
            rows.append({"quarter": f"{start.year}Q{pd.Timestamp(start).quarter}", "day": offset,
                         "open_deals": len(frame), "closed_before": len(closed), "actual": actual,
                         "p10": forecast.p10, "p50": forecast.p50, "p90": forecast.p90, "mean": forecast.mean,
                         "weighted": weighted, "previous_quarter": previous,
                         "p50_no_staleness": ageless.p50, "mean_no_staleness": ageless.mean,
                         "stale_expected": stale_expected, "stale_without": stale_without,
                         "stale_actual": stale_actual})
    return pd.DataFrame(rows)


def run() -> str:
    """Backtest three quarters of the Maven data; return the markdown section."""
    started = time.perf_counter()
    frame = backtest(load())
    table = summary(frame)
    seconds = time.perf_counter() - started
    detail = ["| quarter | forecast day | open deals | closed before | actual | P10 | P50 | P90 | weighted pipeline "
              "| previous quarter |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in frame.itertuples():
        detail.append(f"| {r.quarter} | +{r.day} d | {r.open_deals:,} | {r.closed_before:,} | {r.actual:,.0f} | "
                      f"{r.p10:,.0f} | {r.p50:,.0f} | {r.p90:,.0f} | {r.weighted:,.0f} | {r.previous_quarter:,.0f} |")
    agg = summary_table(table, {"weighted pipeline (CRM)": "weighted pipeline"})
    return "\n".join([
        "## Pipeline forecast backtest on the Maven CRM data (`python -m bench forecasting_pipeline_maven`)", "",
        f"Machine: {machine()}.", "",
        "Maven Analytics' CRM + Sales + Opportunities data (8,800 opportunities, 2016-10 to 2017-12; simulated",
        "by its publisher, so this shows the method works on a second company's data, not real-world accuracy).",
        "The file keeps only each deal's final state: a deal counts as open on a day when it was engaged before",
        "it and closed on or after it (or is still Engaging); its amount is the product's list price (won deals",
        "closed at 0.997 of list on average); its win probability is its agent × product win rate on deals",
        "closed before that day, shrunk toward the agent's and the company's rate; there is no expected close",
        "date, so the simulator times deals by their age. Nothing after the forecast day is read. 500",
        "Prospecting deals have no engage date and are left out.", "",
        *agg, "", *detail, "",
        "Stale deals: the file's 1,589 deals still \"Engaging\" at its end include deals engaged up to a year",
        "earlier that never close. Without a close date the simulator times a deal by its age and scales",
        "its win probability by the deal's *staleness* (the chance a deal still open",
        "at that age is won at all, relative to a new one: an Aalen-Johansen cumulative incidence over the",
        "closed deals with the open ones censored; `SlipModel.staleness`). Open deals older than 95% of the",
        "deals won before the forecast day brought "
        + ", ".join(f"{r.stale_actual:,.0f}" for r in frame[frame["day"] == 0].itertuples())
        + " at the starts of the three quarters; the forecast expected "
        + ", ".join(f"{r.stale_expected:,.0f}" for r in frame[frame["day"] == 0].itertuples())
        + " from them, and "
        + ", ".join(f"{r.stale_without:,.0f}" for r in frame[frame["day"] == 0].itertuples())
        + " without the staleness factor. Same run without it (the previous model):", "",
        "| forecast day | P50 MAPE % | mean MAPE % | mean bias % |", "|---|---|---|---|",
        *[f"| +{day} d | {errors(part, 'p50_no_staleness')[0]:.1f} | {errors(part, 'mean_no_staleness')[0]:.1f} | "
          f"{errors(part, 'mean_no_staleness')[1]:.1f} |" for day, part in frame.groupby("day")], "",
        f"Wall time: {seconds:.1f} s. Three quarters and two forecast days are few: the figures are indicative.",
    ])
