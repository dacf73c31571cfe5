"""Baseline versus after for a change (a new process, a new model): did the treated reps' metric move, beyond trend?

The observations are *units* (one per closed deal for win rate, per won deal for cycle days and deal size, one per
rep-week for activity a week), each with its rep, time and value. Given the change date, the treated reps and a
window, the units in ``[change - window, change)`` are *before* and in ``[change, change + window)`` *after*.

* With a control group (reps not treated who have units), the estimate is the difference in differences
  ``(treated after - treated before) - (control after - control before)`` of the means, with a percentile bootstrap
  interval (each of the four cells resampled on its own), a permutation test that reassigns the treatment among the
  reps (so a difference between reps, not the change, cannot pass as an effect), and a placebo run that pretends the
  change happened one window earlier (it should find nothing). For win rate a logistic regression with a
  treated x after interaction (statsmodels) gives the effect as an odds ratio.
* Without a control group the estimate is a plain before/after difference of the treated units' means: it cannot
  separate the change from the trend, and says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from salesmind.core.errors import UserInputError
from salesmind.data.scope import Scope

IMPACT_METRICS = {"win_rate": "Win rate (share of closed deals won)", "cycle_days": "Cycle days to win",
                  "deal_size": "Won deal size", "activity_per_week": "Activities a week per rep"}
N_BOOT = 2000
MAX_PERMUTATIONS = 500
MIN_UNITS = 3


@dataclass(frozen=True)
class Cell:
    """One group in one period: how many units and their mean."""

    n: int
    mean: float | None


@dataclass(frozen=True)
class Impact:
    """The before/after comparison of a change, with a difference in differences when a control group exists."""

    metric: str
    change: str
    window_days: int
    treated_before: Cell
    treated_after: Cell
    control_before: Cell
    control_after: Cell
    method: str  # "difference in differences" or "before/after only"
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    permutation_p: float | None = None
    permutations: int = 0
    placebo_estimate: float | None = None
    placebo_ci: tuple[float, float] | None = None
    odds_ratio: float | None = None
    odds_ratio_ci: tuple[float, float] | None = None
    odds_ratio_p: float | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain values for the API, CLI and pages."""
        return asdict(self)


def _cell(values: np.ndarray) -> Cell:
    return Cell(len(values), float(values.mean()) if len(values) else None)


def _boot_means(values: np.ndarray, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    return values[rng.integers(0, len(values), size=(n_boot, len(values)))].mean(axis=1)


def _split(units: pd.DataFrame, change: pd.Timestamp, window: pd.Timedelta,
           treated: set[int]) -> dict[str, np.ndarray]:
    before = (units["at"] >= change - window) & (units["at"] < change)
    after = (units["at"] >= change) & (units["at"] < change + window)
    is_t = units["rep_id"].isin(treated)
    return {"tb": units.loc[before & is_t, "value"].to_numpy(float),
            "ta": units.loc[after & is_t, "value"].to_numpy(float),
            "cb": units.loc[before & ~is_t, "value"].to_numpy(float),
            "ca": units.loc[after & ~is_t, "value"].to_numpy(float)}


def _did(cells: dict[str, np.ndarray]) -> float:
    return float((cells["ta"].mean() - cells["tb"].mean()) - (cells["ca"].mean() - cells["cb"].mean()))


def _did_interval(cells: dict[str, np.ndarray], n_boot: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    b = {k: _boot_means(v, rng, n_boot) for k, v in cells.items()}
    draws = (b["ta"] - b["tb"]) - (b["ca"] - b["cb"])
    return float(np.percentile(draws, 2.5)), float(np.percentile(draws, 97.5))


def _enough(cells: dict[str, np.ndarray], keys: str) -> bool:
    return all(len(cells[k]) >= MIN_UNITS for k in keys.split())


def _permutation_p(units: pd.DataFrame, change: pd.Timestamp, window: pd.Timedelta, treated: set[int],
                   observed: float, seed: int) -> tuple[float | None, int]:
    """Share of treatment reassignments among reps whose DiD is at least as large (two-sided), observed included."""
    reps = sorted(int(r) for r in units["rep_id"].unique())
    k = len(treated & set(reps))
    if k == 0 or k == len(reps):
        return None, 0
    rng = np.random.default_rng(seed)
    all_sets = list(combinations(reps, k)) if _n_choose(len(reps), k) <= MAX_PERMUTATIONS else \
        [tuple(rng.choice(reps, k, replace=False)) for _ in range(MAX_PERMUTATIONS)]
    stats = []
    for chosen in all_sets:
        cells = _split(units, change, window, set(chosen))
        if _enough(cells, "tb ta cb ca"):
            stats.append(abs(_did(cells)))
    if not stats:
        return None, 0
    extreme = sum(s >= abs(observed) - 1e-12 for s in stats)
    return float((extreme + 1) / (len(stats) + 1)), len(stats)


def _n_choose(n: int, k: int) -> int:
    from math import comb

    return comb(n, k)


def _logit_interaction(units: pd.DataFrame, change: pd.Timestamp, window: pd.Timedelta,
                       treated: set[int]) -> tuple[float, tuple[float, float], float] | None:
    """won ~ treated + after + treated:after by logistic regression: the interaction's odds ratio, CI and p."""
    import statsmodels.formula.api as smf
    from statsmodels.tools.sm_exceptions import PerfectSeparationError

    inside = units[(units["at"] >= change - window) & (units["at"] < change + window)]
    frame = pd.DataFrame({"won": inside["value"].astype(float), "treated": inside["rep_id"].isin(treated).astype(int),
                          "after": (inside["at"] >= change).astype(int)})
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = smf.logit("won ~ treated * after", frame).fit(disp=0)
    except (PerfectSeparationError, np.linalg.LinAlgError, ValueError):  # no logistic estimate; the bootstrap stands
        return None
    coef, (low, high), p = fit.params["treated:after"], fit.conf_int().loc["treated:after"], fit.pvalues["treated:after"]
    if not fit.mle_retvals.get("converged", False) or not np.isfinite([coef, low, high]).all() or abs(high) > 20:
        return None  # not converged (separation in a small cell): report no odds ratio rather than a wild one
    return float(np.exp(coef)), (float(np.exp(low)), float(np.exp(high))), float(p)


def estimate_impact(units: pd.DataFrame, change: datetime, treated: set[int], *, metric: str = "win_rate",
                    window: timedelta = timedelta(days=90), n_boot: int = N_BOOT, seed: int = 0) -> Impact:
    """The impact of a change on ``units`` (columns rep_id, at (UTC), value) for the ``treated`` reps."""
    if not treated:
        raise UserInputError("name at least one treated rep")
    at = pd.Timestamp(change)
    at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
    win = pd.Timedelta(window)
    cells = _split(units, at, win, treated)
    base: dict[str, Any] = {"metric": metric, "change": at.date().isoformat(), "window_days": int(win.days),
                            "treated_before": _cell(cells["tb"]), "treated_after": _cell(cells["ta"]),
                            "control_before": _cell(cells["cb"]), "control_after": _cell(cells["ca"])}
    if not _enough(cells, "tb ta"):
        return Impact(**base, method="not enough data", estimate=None, ci_low=None, ci_high=None,
                      note=f"the treated reps need at least {MIN_UNITS} observations before and after the change")
    if not _enough(cells, "cb ca"):
        rng = np.random.default_rng(seed)
        draws = _boot_means(cells["ta"], rng, n_boot) - _boot_means(cells["tb"], rng, n_boot)
        return Impact(**base, method="before/after only", estimate=float(cells["ta"].mean() - cells["tb"].mean()),
                      ci_low=float(np.percentile(draws, 2.5)), ci_high=float(np.percentile(draws, 97.5)),
                      note="no control group (reps not treated with data before and after): this is a plain "
                           "before/after difference and cannot separate the change from the trend")
    estimate = _did(cells)
    low, high = _did_interval(cells, n_boot, seed)
    perm_p, n_perm = _permutation_p(units, at, win, treated, estimate, seed)
    placebo = _split(units, at - win, win, treated)
    placebo_est = placebo_ci = None
    if _enough(placebo, "tb ta cb ca"):
        placebo_est, placebo_ci = _did(placebo), _did_interval(placebo, n_boot, seed)
    logit = _logit_interaction(units, at, win, treated) if metric == "win_rate" else None
    note = ("control group: reps not treated; the bootstrap resamples observations, the permutation test "
            "reassigns the treatment among reps")
    return Impact(**base, method="difference in differences", estimate=estimate, ci_low=low, ci_high=high,
                  permutation_p=perm_p, permutations=n_perm, placebo_estimate=placebo_est, placebo_ci=placebo_ci,
                  odds_ratio=logit[0] if logit else None, odds_ratio_ci=logit[1] if logit else None,
                  odds_ratio_p=logit[2] if logit else None, note=note)


def impact_units(deals: pd.DataFrame, activities: pd.DataFrame, metric: str, rep_ids: list[int],
                 start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The units of ``metric`` from a deal frame and activities (user_id, occurred_at) between start and end."""
    if metric not in IMPACT_METRICS:
        raise UserInputError(f"unknown metric {metric!r}: choose one of {', '.join(IMPACT_METRICS)}")
    if metric == "activity_per_week":
        weeks = pd.date_range(start, end, freq="7D", inclusive="left")
        acts = activities[activities["user_id"].isin(rep_ids)]
        index = ((acts["occurred_at"] - start) // pd.Timedelta(days=7)).astype(int)
        weight = acts["n"] if "n" in acts else pd.Series(1, index=acts.index)  # rows may be daily counts
        counts = pd.crosstab(acts["user_id"], index, values=weight, aggfunc="sum").fillna(0)
        counts = counts.reindex(index=rep_ids, columns=range(len(weeks)), fill_value=0)
        rows = [(rep, weeks[w], float(counts.loc[rep, w])) for rep in rep_ids for w in range(len(weeks))]
        return pd.DataFrame(rows, columns=["rep_id", "at", "value"])
    closed = deals[deals["owner_id"].isin(rep_ids) & deals["outcome"].isin(["won", "lost"])
                   & (deals["closed_at"] >= start) & (deals["closed_at"] < end)]
    if metric == "win_rate":
        value = (closed["outcome"] == "won").astype(float)
    else:
        closed = closed[closed["outcome"] == "won"]
        value = (closed["amount"] if metric == "deal_size"
                 else (closed["closed_at"] - closed["created_at"]).dt.total_seconds() / 86400)
    out = pd.DataFrame({"rep_id": closed["owner_id"].astype(int), "at": closed["closed_at"], "value": value})
    return out.dropna().reset_index(drop=True)


def impact_for(session: Session, scope: Scope, change: date | datetime, treated: list[int],
               metric: str = "win_rate", window_days: int = 90, n_boot: int = N_BOOT) -> Impact:
    """The impact analysis on the CRM: treated reps against the other reps the caller may see."""
    from salesmind.analytics.performance import load_period, rep_ids

    if not 1971 <= change.year <= 2200:
        raise UserInputError("the change date must lie between 1971 and 2200")
    if not 7 <= window_days <= 730:
        raise UserInputError("the window must be between 7 and 730 days")
    if metric not in IMPACT_METRICS:
        raise UserInputError(f"unknown metric {metric!r}: choose one of {', '.join(IMPACT_METRICS)}")
    hidden = [t for t in treated if not scope.can_see(t)]
    if hidden:
        raise UserInputError(f"rep {hidden[0]} is not in your scope")
    window = timedelta(days=window_days)
    at = pd.Timestamp(change)
    at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
    data = load_period(session, (at - 2 * window).to_pydatetime(), (at + window).to_pydatetime())
    reps = [r for r in rep_ids(data) if scope.can_see(r)]
    missing = set(treated) - set(reps)
    if missing:
        raise UserInputError(f"user {min(missing)} is not a sales rep")
    units = impact_units(data.deals, data.activities, metric, reps, data.start, data.end)
    return estimate_impact(units, at.to_pydatetime(), set(treated), metric=metric, window=window, n_boot=n_boot)
