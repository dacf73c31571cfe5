"""Pipeline analytics as pure functions of the deal frame and its stage visits.

Definitions (docs/analytics-pipeline.md has them with examples):

- A deal *reached* open stage ``s`` when it visited ``s`` or any later open stage, or was won; the time
  it reached ``s`` is its first entry into ``s`` or any later stage (or its win).
- Conversion ``s -> next`` counts only deals *resolved past* ``s``: they reached the next stage
  (converted) or were lost while their furthest stage was ``s``. A deal counts in the period in which
  it was resolved (the time it reached the next stage, or was lost), so a quarter's conversion has no
  deals still waiting in ``s``. The last open stage's next stage is ``won``.
- Time in stage: the days of each visit of an open stage that exited in the period (median and p75).
- Bottlenecks: see :func:`bottlenecks`.
- Funnel: the deals *created* in the period and how many of them reached each stage and were won.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact
from statsmodels.stats.proportion import proportion_confint

from salesmind.analytics.frames import is_closed_stage
from salesmind.analytics.periods import as_utc
from salesmind.core.errors import UserInputError

#: Columns a manager may group the pipeline by (all are deal-frame columns).
GROUPINGS = ("team", "owner", "segment", "region", "source", "product", "competitor")
WON, LOST = "won", "lost"
#: A conversion bottleneck needs this many resolved deals in the period and in history.
MIN_RESOLVED = 5
DAY = pd.Timedelta(days=1)


def check_group(group_by: str | None) -> None:
    """Refuse an unknown grouping with the list of known ones."""
    if group_by is not None and group_by not in GROUPINGS:
        raise UserInputError(f"cannot group the pipeline by {group_by!r}; use one of {', '.join(GROUPINGS)}")


def _in(times: pd.Series, start: date | None, end: date | None) -> pd.Series:
    keep = times.notna()
    if start is not None:
        keep &= times >= as_utc(start)
    if end is not None:
        keep &= times < as_utc(end)
    return keep


def wilson(successes: int, trials: int) -> tuple[float | None, float | None]:
    """The 95% Wilson score interval (statsmodels); None for no trials."""
    if trials <= 0:
        return None, None
    low, high = proportion_confint(successes, trials, alpha=0.05, method="wilson")
    return float(low), float(high)


def _utc_ns(times: pd.Series) -> np.ndarray:
    """UTC times as a plain ``datetime64[ns]`` array (iterating tz-aware values one by one is slow)."""
    if not isinstance(times.dtype, pd.DatetimeTZDtype):
        times = pd.to_datetime(times, utc=True)
    return times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def reach_times(deals: pd.DataFrame, events: pd.DataFrame, stages: list[str]) -> pd.DataFrame:
    """Per deal (index ``deal_id``), the time it first reached each stage (columns ``stages`` + ``won``)
    and ``lost_at`` (its close time when lost). NaT where it never reached the stage."""
    columns = list(stages) + [WON]
    index = {s: i for i, s in enumerate(stages)}
    outcome = deals.set_index("deal_id")["outcome"]
    ev = events[events["deal_id"].isin(outcome.index)]
    position = ev["stage"].map(index)
    won_deal = ev["deal_id"].map(outcome).eq(WON).to_numpy()
    names = ev["stage"].astype(str)
    closed = names.map({n: is_closed_stage(n) for n in names.unique()}).to_numpy(dtype=bool)
    position = position.where(~(closed & won_deal), len(stages))
    visits = pd.DataFrame({"deal_id": ev["deal_id"].to_numpy(), "k": position.to_numpy(),
                           "at": _utc_ns(ev["entered_at"])}).dropna(subset=["k"])
    won = deals[deals["outcome"].eq(WON) & deals["closed_at"].notna()]
    if len(won):
        visits = pd.concat([visits, pd.DataFrame({"deal_id": won["deal_id"].to_numpy(), "k": len(stages),
                                                  "at": _utc_ns(won["closed_at"])})], ignore_index=True)
    first = visits.groupby(["deal_id", "k"])["at"].min().unstack("k")
    first = first.reindex(index=outcome.index, columns=range(len(columns)))
    values = first.to_numpy(dtype="datetime64[ns]")
    # reached a stage = entered it or any later one: a running minimum from the right (NaT ignored)
    ints = np.where(np.isnat(values), np.iinfo(np.int64).max, values.astype(np.int64))
    ints = np.minimum.accumulate(ints[:, ::-1], axis=1)[:, ::-1]
    reached = np.where(ints == np.iinfo(np.int64).max, np.datetime64("NaT"), ints.astype("datetime64[ns]"))
    out = pd.DataFrame({column: pd.DatetimeIndex(reached[:, i]).tz_localize("UTC")
                        for i, column in enumerate(columns)}, index=outcome.index)
    lost = deals.set_index("deal_id")
    out["lost_at"] = lost["closed_at"].where(lost["outcome"].eq(LOST))
    return out


def conversion(reach: pd.DataFrame, stages: list[str], start: date | None, end: date | None) -> pd.DataFrame:
    """Stage-to-stage conversion of the deals resolved past each stage in ``[start, end)`` (None: unbounded),
    with 95% Wilson intervals: ``from_stage, to_stage, resolved, converted, rate, low, high``."""
    rows = []
    targets = list(stages[1:]) + [WON]
    for stage, nxt in zip(stages, targets):
        reached = reach[stage].notna()
        moved = reach[nxt].notna()
        lost_here = reached & ~moved & reach["lost_at"].notna()
        resolved_at = reach[nxt].where(moved, reach["lost_at"].where(lost_here))
        inside = _in(resolved_at, start, end) & reached
        n, k = int(inside.sum()), int((inside & moved).sum())
        low, high = wilson(k, n)
        rows.append({"from_stage": stage, "to_stage": nxt, "resolved": n, "converted": k,
                     "rate": k / n if n else None, "low": low, "high": high})
    return pd.DataFrame(rows, columns=["from_stage", "to_stage", "resolved", "converted", "rate", "low", "high"])


def time_in_stage(events: pd.DataFrame, stages: list[str], start: date | None, end: date | None) -> pd.DataFrame:
    """Days spent in each open stage by the visits that exited it in ``[start, end)``:
    ``stage, visits, median_days, p75_days``."""
    done = events[_in(events["exited_at"], start, end) & events["stage"].isin(stages)]
    days = (done["exited_at"] - done["entered_at"]) / DAY
    grouped = {stage: values for stage, values in days.groupby(done["stage"])}
    rows = []
    for stage in stages:
        values = grouped.get(stage, pd.Series(dtype=float))
        rows.append({"stage": stage, "visits": len(values),
                     "median_days": float(values.median()) if len(values) else None,
                     "p75_days": float(values.quantile(0.75)) if len(values) else None})
    return pd.DataFrame(rows, columns=["stage", "visits", "median_days", "p75_days"])


def bottlenecks(current: pd.DataFrame, history: pd.DataFrame, times: pd.DataFrame,
                past_times: pd.DataFrame) -> list[dict[str, Any]]:
    """The stages that hold the pipeline back in the period, each with its numbers.

    Rule: (1) the conversion bottleneck is the stage whose period conversion is lowest relative to
    the company's own history (all resolutions before the period), among stages with at least
    :data:`MIN_RESOLVED` resolved deals in both and a period rate below history; its Fisher exact test
    p-value says whether the drop is more than noise. (2) The time bottleneck is the stage with the
    longest median days in the period, compared with its history median.
    """
    found: list[dict[str, Any]] = []
    merged = current.merge(history, on=["from_stage", "to_stage"], suffixes=("", "_history"))
    usable = merged[(merged["resolved"] >= MIN_RESOLVED) & (merged["resolved_history"] >= MIN_RESOLVED)].copy()
    usable = usable[usable["converted_history"] > 0]
    if len(usable):
        usable["ratio"] = usable["rate"].astype(float) / usable["rate_history"].astype(float)
        worst = usable.sort_values("ratio", kind="stable").iloc[0]
        if worst["ratio"] < 1:
            table = [[int(worst["converted"]), int(worst["resolved"] - worst["converted"])],
                     [int(worst["converted_history"]), int(worst["resolved_history"] - worst["converted_history"])]]
            p_value = float(fisher_exact(table)[1])
            found.append({
                "kind": "conversion", "stage": worst["from_stage"], "to_stage": worst["to_stage"],
                "rate": float(worst["rate"]), "history_rate": float(worst["rate_history"]),
                "ratio": float(worst["ratio"]), "resolved": int(worst["resolved"]), "p_value": p_value,
                "message": (f"{worst['from_stage']} → {worst['to_stage']} converts {worst['rate']:.0%} "
                            f"of {int(worst['resolved'])} deals against {worst['rate_history']:.0%} before "
                            f"(×{worst['ratio']:.2f}; Fisher exact p = {p_value:.3g})")})
    timed = times.dropna(subset=["median_days"])
    if len(timed):
        slow = timed.sort_values("median_days", ascending=False, kind="stable").iloc[0]
        past = past_times.set_index("stage")["median_days"].get(slow["stage"])
        before = f" against {past:.0f} days before" if past is not None and pd.notna(past) else ""
        found.append({"kind": "time", "stage": slow["stage"], "median_days": float(slow["median_days"]),
                      "p75_days": float(slow["p75_days"]), "visits": int(slow["visits"]),
                      "history_median_days": None if past is None or pd.isna(past) else float(past),
                      "message": (f"{slow['stage']} takes the longest: median {slow['median_days']:.0f} days "
                                  f"(p75 {slow['p75_days']:.0f}) over {int(slow['visits'])} visits{before}")})
    return found


def funnel(reach: pd.DataFrame, deals: pd.DataFrame, stages: list[str], start: date | None,
           end: date | None) -> pd.DataFrame:
    """The deals created in ``[start, end)``: how many reached each stage, and were won (``stage, deals``)."""
    created = deals.loc[_in(deals["created_at"], start, end), "deal_id"]
    cohort = reach.loc[reach.index.isin(created)]
    rows = [{"stage": s, "deals": int(cohort[s].notna().sum())} for s in list(stages) + [WON]]
    return pd.DataFrame(rows, columns=["stage", "deals"])


def stage_flows(events: pd.DataFrame, stages: list[str], start: date | None, end: date | None) -> pd.DataFrame:
    """Moves out of each open stage in ``[start, end)``: ``source, target, deals`` where the target is a later
    stage, ``won`` or ``lost`` (moves back to an earlier stage are counted under target ``back``)."""
    index = {s: i for i, s in enumerate(stages)}
    moved = events[_in(events["exited_at"], start, end) & events["stage"].isin(stages)]
    nxt = moved["next_stage"].astype(str)
    closed = nxt.map(is_closed_stage)
    target = np.where(closed, np.where(nxt.str.lower().str.contains("won"), WON, LOST), nxt)
    backwards = ~closed & (nxt.map(index).fillna(-1) <= moved["stage"].map(index))
    target = np.where(backwards, "back", target)
    flows = pd.DataFrame({"source": moved["stage"].to_numpy(), "target": target})
    counts = flows.groupby(["source", "target"]).size().rename("deals").reset_index()
    counts["order"] = counts["source"].map(index)
    return counts.sort_values(["order", "deals"], ascending=[True, False]).drop(columns="order").reset_index(drop=True)


def pipeline_report(deals: pd.DataFrame, events: pd.DataFrame, stages: list[str], start: date, end: date,
                    group_by: str | None = None) -> dict[str, Any]:
    """Conversion, time in stage, bottlenecks, funnel and flows for ``[start, end)``; with ``group_by``,
    conversion and time in stage also per group (``groups``: one entry per group value)."""
    check_group(group_by)
    reach = reach_times(deals, events, stages)
    current, history = conversion(reach, stages, start, end), conversion(reach, stages, None, start)
    times, past_times = time_in_stage(events, stages, start, end), time_in_stage(events, stages, None, start)
    report: dict[str, Any] = {
        "stages": list(stages), "conversion": current, "history_conversion": history, "time_in_stage": times,
        "bottlenecks": bottlenecks(current, history, times, past_times),
        "funnel": funnel(reach, deals, stages, start, end), "flows": stage_flows(events, stages, start, end),
        "groups": []}
    if group_by is not None:
        key = deals.set_index("deal_id")[group_by].fillna("(none)").astype(str)
        for value in sorted(key.unique()):
            ids = key.index[key == value]
            report["groups"].append({
                "group": value,
                "conversion": conversion(reach.loc[ids], stages, start, end),
                "time_in_stage": time_in_stage(events[events["deal_id"].isin(ids)], stages, start, end)})
    return report
