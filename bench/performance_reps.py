"""Does performance analytics recover the demo company's hidden rep skill? And does the impact analysis stay quiet
on a change that never happened?

``python -m bench performance_reps`` builds the small demo company into a temporary folder (its build returns each
rep's hidden skill: docs/demo-company.md, ``DealModel.rep_skill`` adds 0.35 per unit of skill to every stage's
advance log-odds), runs ``analytics.performance.team_table`` over the whole history, and reports, per metric, the
Spearman correlation of the reps' values with their skill against the same correlation with the skills shuffled
among the reps (reference in the same run: the first shuffle, the 2.5-97.5% range and the permutation p over all
shuffles). It then runs ``analytics.impact`` with a made-up change (the middle of the history, half the reps
"treated"): nothing was injected, so the difference in differences should be near zero with an interval across it.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.conversations_reps import build_demo, correlation_row, shuffled_skills

#: (key, label, the sign docs/demo-company.md implies: 0 when skill does not enter it)
METRICS = (("win_rate", "win rate", 1), ("median_cycle_days", "median cycle days (won)", 0),
           ("avg_won_amount", "average won deal size (net of discount)", 1),
           ("avg_discount_won", "average discount on won deals", -1),
           ("median_slip_days", "median close-date slip (won)", -1), ("activities_per_week", "activities a week", 0),
           ("forecast_accuracy", "forecast accuracy", 1), ("gaps", "significant gaps to top performers", -1))


def skill_rows(rows: list[dict], skill_by_email: dict[str, float]) -> list[dict]:
    """Per metric: Spearman rho with skill and the shuffled-skill reference (reps with a value only)."""
    out = []
    for key, label, sign in METRICS:
        pairs = [(r[key], skill_by_email[r["email"]]) for r in rows
                 if r["email"] in skill_by_email and r[key] is not None]
        if len(pairs) < 4:
            continue
        values, skill = zip(*pairs)
        out.append({"metric": label, "expected_sign": sign, "n": len(pairs),
                    **correlation_row(list(values), list(skill), shuffled_skills(list(skill)))})
    return out


def _sign(s: int) -> str:
    return {1: "+", -1: "−", 0: "none"}[s]


def inject(units: pd.DataFrame, change: datetime, treated: set[int], metric: str, seed: int = 7) -> tuple[pd.DataFrame, float]:
    """The units with a known effect put into the treated reps' units after ``change``, and that effect's size in
    this sample (change of the treated-after mean): win rate, a random third of their losses become wins; cycle days,
    every cycle shortened by 20%."""
    after = (units["at"] >= pd.Timestamp(change)) & units["rep_id"].isin(treated)
    out = units.copy()
    if metric == "win_rate":
        rng = np.random.default_rng(seed)
        flip = after & (out["value"] == 0) & (rng.random(len(out)) < 1 / 3)
        out.loc[flip, "value"] = 1.0
    else:
        out.loc[after, "value"] = out.loc[after, "value"] * 0.8
    return out, float(out.loc[after, "value"].mean() - units.loc[after, "value"].mean())


def _impact_line(label: str, result: Any, injected: float) -> str:
    if result.estimate is None:
        return f"| {label} | {injected:+.3f} | {result.method} | — | — | — |"
    covered = "yes" if result.ci_low <= injected <= result.ci_high else "no"
    p = "—" if result.permutation_p is None else f"{result.permutation_p:.3f}"
    return (f"| {label} | {injected:+.3f} | {result.estimate:+.3f} | {result.ci_low:+.3f} to {result.ci_high:+.3f} | "
            f"{covered} | {p} |")


def run() -> str:
    """Build the demo, compute the team table and impact runs with and without an injected change."""
    from salesmind.analytics.impact import estimate_impact, impact_units
    from salesmind.analytics.performance import load_period, team_table
    from salesmind.data.scope import Scope

    with tempfile.TemporaryDirectory(prefix="salesmind-perf-") as folder:
        database, skill_by_email = build_demo(Path(folder))
        end = datetime.now(UTC) + timedelta(days=1)
        with database.transaction() as session:
            rows = team_table(session, Scope.everything(), datetime(2000, 1, 1, tzinfo=UTC), end)
            reps = sorted(r["user_id"] for r in rows if r["email"] in skill_by_email)
            data = load_period(session, datetime(2000, 1, 1, tzinfo=UTC), end)
        database.dispose()
    start = data.deals["created_at"].min()
    change = (start + (pd.Timestamp(end) - start) / 2).to_pydatetime()
    treated = set(reps[::2])
    window = timedelta(days=180)
    impacts = []
    for metric in ("win_rate", "cycle_days"):
        units = impact_units(data.deals, data.activities, metric, reps, data.start, data.end)
        impacts.append(_impact_line(f"{metric}, nothing injected", estimate_impact(
            units, change, treated, metric=metric, window=window, n_boot=1000), 0.0))
        changed, effect = inject(units, change, treated, metric)
        impacts.append(_impact_line(f"{metric}, effect injected", estimate_impact(
            changed, change, treated, metric=metric, window=window, n_boot=1000), effect))
    corr = skill_rows(rows, skill_by_email)
    lines = ["## Performance analytics against hidden rep skill (small demo)", "",
             (f"`python -m bench performance_reps`: the small demo company ({len(reps)} reps), "
              "`team_table` over the whole history. Spearman ρ of each rep's metric with the simulator's hidden "
              "skill; reference: the same ρ with the skills shuffled among reps (first shuffle, 95% range and "
              "permutation p over 2,000 shuffles, same run)."), "",
             "| metric | simulator implies | reps | ρ with skill | ρ shuffled | shuffled 95% range | p |",
             "|---|---|---|---|---|---|---|"]
    for c in corr:
        lines.append(f"| {c['metric']} | {_sign(c['expected_sign'])} | {c['n']} | {c['rho']:+.2f} | "
                     f"{c['shuffled']:+.2f} | {c['low']:+.2f} to {c['high']:+.2f} | {c['p']:.3f} |")
    top = [r for r in rows if r["is_top"] and r["email"] in skill_by_email]
    rest = [r for r in rows if not r["is_top"] and r["email"] in skill_by_email]
    def mean(group: list[dict]) -> float:
        return sum(skill_by_email[r["email"]] for r in group) / max(1, len(group))

    lines += ["", (f"Top performers ({len(top)}) mean hidden skill {mean(top):+.2f}; other reps ({len(rest)}) "
                   f"{mean(rest):+.2f}. Reps with a significant gap (BH q < 0.05): "
                   f"{sum(1 for r in rest if r['gaps'])} of {len(rest)}."), "",
              (f"Baseline versus after on the demo's own deals: change {change.date()} (the middle of the history), "
               f"{len(treated)} of {len(reps)} reps 'treated', 180 days either side, the other reps as control. "
               "'Injected' changes the treated reps' deals after the change by a known amount (a third of their "
               "losses become wins; cycles 20% shorter) and reports the effect that put into this sample:"), "",
              "| run | injected effect | DiD estimate | 95% bootstrap CI | CI covers it | permutation p |",
              "|---|---|---|---|---|---|", *impacts, ""]
    return "\n".join(lines)
