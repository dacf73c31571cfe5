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


def run() -> str:
    """Build the demo, compute the team table and a null impact run, and return the markdown section."""
    from salesmind.analytics.impact import impact_for
    from salesmind.analytics.performance import team_table
    from salesmind.data.models import Opportunity
    from salesmind.data.scope import Scope
    from sqlalchemy import func, select

    with tempfile.TemporaryDirectory(prefix="salesmind-perf-") as folder:
        database, skill_by_email = build_demo(Path(folder))
        end = datetime.now(UTC) + timedelta(days=1)
        with database.transaction() as session:
            rows = team_table(session, Scope.everything(), datetime(2000, 1, 1, tzinfo=UTC), end)
            reps = sorted(r["user_id"] for r in rows if r["email"] in skill_by_email)
            start = session.scalar(select(func.min(Opportunity.created_at)))
            change = start + (end - start) / 2
            null = impact_for(session, Scope.everything(), change, reps[::2], "win_rate", 180, n_boot=1000)
        database.dispose()
    corr = skill_rows(rows, skill_by_email)
    lines = ["## Performance analytics against hidden rep skill (small demo)", "",
             f"`python -m bench performance_reps`: the small demo company ({len(reps)} reps), "
             "`team_table` over the whole history. Spearman ρ of each rep's metric with the simulator's hidden skill; "
             "reference: the same ρ with the skills shuffled among reps (first shuffle, 95% range and permutation p "
             "over 2,000 shuffles, same run).", "",
             "| metric | simulator implies | reps | ρ with skill | ρ shuffled | shuffled 95% range | p |",
             "|---|---|---|---|---|---|---|"]
    for c in corr:
        lines.append(f"| {c['metric']} | {_sign(c['expected_sign'])} | {c['n']} | {c['rho']:+.2f} | "
                     f"{c['shuffled']:+.2f} | {c['low']:+.2f} to {c['high']:+.2f} | {c['p']:.3f} |")
    top = [r for r in rows if r["is_top"] and r["email"] in skill_by_email]
    rest = [r for r in rows if not r["is_top"] and r["email"] in skill_by_email]
    mean = lambda group: sum(skill_by_email[r["email"]] for r in group) / max(1, len(group))  # noqa: E731
    lines += ["", f"Top performers ({len(top)}) mean hidden skill {mean(top):+.2f}; other reps ({len(rest)}) "
                  f"{mean(rest):+.2f}. Reps with a significant gap (BH q < 0.05): "
                  f"{sum(1 for r in rest if r['gaps'])} of {len(rest)}.", "",
              f"Null impact check (no change was injected): change {null.change}, {len(reps[::2])} of {len(reps)} reps "
              f"'treated', win rate, 180 days either side: {null.method}, estimate "
              + ("n/a" if null.estimate is None else
                 f"{null.estimate:+.3f} (95% CI {null.ci_low:+.3f} to {null.ci_high:+.3f}), permutation p "
                 f"{null.permutation_p if null.permutation_p is None else round(null.permutation_p, 3)}")
              + ". Recovery of an injected effect is tested on hand-made data in tests/analytics/"
                "test_performance_impact.py (the simulator has no dated process change to recover).", ""]
    return "\n".join(lines)
