"""Pipeline velocity per period and its change broken into four drivers.

For a period ``[start, end)``:

- open deals ``N``: deals open at some time in the period (created before its end, not closed before its start);
- win rate ``W``: won / (won + lost) among deals closed in the period;
- deal size ``S``: mean amount of the deals won in the period;
- cycle ``C``: mean days from creation to close of the deals won in the period;
- velocity ``V = N * W * S / C`` (money per day).

The change ``V1 - V0`` against the previous period is split with the logarithmic mean Divisia index
(LMDI-I, Ang 2005): with ``L = (V1 - V0) / ln(V1 / V0)``, driver ``x`` contributes ``L * ln(x1 / x0)``
(minus that for the cycle); since ``ln V`` is the sum of the drivers' logs, the parts add up exactly.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from salesmind.analytics.periods import as_utc

DRIVERS = ("open_deals", "win_rate", "deal_size", "cycle_days")
DAY = pd.Timedelta(days=1)


def velocity(deals: pd.DataFrame, start: date, end: date) -> dict[str, Any]:
    """``N, W, S, C`` and ``V`` of ``[start, end)`` (velocity None when a driver is missing or zero)."""
    lo, hi = as_utc(start), as_utc(end)
    closed_at = deals["closed_at"]
    open_in = (deals["created_at"] < hi) & (closed_at.isna() | (closed_at >= lo))
    closed = deals[(closed_at >= lo) & (closed_at < hi) & deals["outcome"].isin(["won", "lost"])]
    won = closed[closed["outcome"] == "won"]
    n_open = int(open_in.sum())
    win_rate = len(won) / len(closed) if len(closed) else None
    size = float(won["amount"].mean()) if won["amount"].notna().any() else None
    cycle = float(((won["closed_at"] - won["created_at"]) / DAY).mean()) if len(won) else None
    parts = (n_open, win_rate, size, cycle)
    value = n_open * win_rate * size / cycle if all(p for p in parts) else None  # type: ignore[operator]
    return {"start": start, "end": end, "open_deals": n_open, "win_rate": win_rate, "deal_size": size,
            "cycle_days": cycle, "won": len(won), "closed": len(closed), "velocity": value}


def decompose(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The change from ``before`` to ``after`` (two :func:`velocity` results) and each driver's part
    (LMDI-I; the parts sum to the change). Parts are None when either velocity is undefined."""
    v0, v1 = before["velocity"], after["velocity"]
    if not v0 or not v1:
        return {"change": None, "change_pct": None, "parts": {d: None for d in DRIVERS}}
    weight = (v1 - v0) / math.log(v1 / v0) if v1 != v0 else v1
    parts = {d: weight * math.log(after[d] / before[d]) for d in DRIVERS}
    parts["cycle_days"] = -parts["cycle_days"]
    return {"change": v1 - v0, "change_pct": v1 / v0 - 1, "parts": parts}


def velocity_trend(deals: pd.DataFrame, periods: list[tuple[date, date]]) -> pd.DataFrame:
    """One :func:`velocity` row per period, oldest first."""
    return pd.DataFrame([velocity(deals, s, e) for s, e in periods])


def velocity_report(deals: pd.DataFrame, periods: list[tuple[date, date]],
                    group_by: str | None = None) -> dict[str, Any]:
    """The last period's velocity, its change against the period before it with drivers, the trend over
    ``periods``, and with ``group_by`` the same current/previous/change per group value."""
    trend = velocity_trend(deals, periods)
    current, previous = velocity(deals, *periods[-1]), velocity(deals, *periods[-2]) if len(periods) > 1 else None
    report: dict[str, Any] = {"current": current, "previous": previous,
                              "change": decompose(previous, current) if previous else None,
                              "trend": trend, "groups": []}
    if group_by is not None and previous is not None:
        key = deals[group_by].fillna("(none)").astype(str)
        for value in sorted(key.unique()):
            part = deals[key == value]
            now, before = velocity(part, *periods[-1]), velocity(part, *periods[-2])
            report["groups"].append({"group": value, "current": now, "previous": before,
                                     "change": decompose(before, now)})
    return report
