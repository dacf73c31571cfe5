"""Do the call metrics separate good from weak reps? Rep coaching on the small demo company, against hidden skill.

``python -m bench conversations_reps`` builds the small demo company into a temporary folder (its build returns each
rep's hidden skill, the simulator's ground truth: docs/demo-company.md), analyses every call, runs the coaching
overview, and reports in the same run:

* per metric, the Spearman correlation between each rep's mean over their calls and their skill (8 reps), with the
  sign the simulator implies; the reference is the same correlation with the skills shuffled among the reps (one
  seeded shuffle, and the 95% range over 2,000 shuffles, which is also the permutation test's null);
* the same at the level of calls (each call's metric against its rep's skill), with the same shuffles;
* the top performers by win rate against the other reps: mean skill of each group, and how many coaching items
  the reps get against their skill.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from salesmind.conversations.coaching import METRICS, SPECS
from salesmind.core.db import Database
from salesmind.core.settings import Settings

#: The sign of each metric's correlation with skill that the simulator implies (docs/demo-company.md).
EXPECTED_SIGN = {"talk_ratio": -1, "rep_questions": 1, "longest_monologue_seconds": -1, "patience_seconds": 1,
                 "interactivity": 1, "rep_fillers_per_100_words": -1, "next_step_share": 1}
SHUFFLES = 2000
SEED = 7


def build_demo(home: Path) -> tuple[Database, dict[str, float]]:
    """The small demo company in ``home`` and each rep's hidden skill by email."""
    env = {**os.environ, "SALESMIND_HOME": str(home)}
    out = subprocess.run([sys.executable, "-c", "from salesmind.cli.main import main; main()", "demo", "--size",
                          "small", "--reset", "--json"], env=env, check=True, capture_output=True, text=True).stdout
    return Database(Settings.from_env(env)), {k: float(v) for k, v in json.loads(out)["rep_skill"].items()}


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation (scipy)."""
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


def shuffled_skills(skill: Sequence[float], n: int = SHUFFLES, seed: int = SEED) -> np.ndarray:
    """``n`` seeded permutations of the reps' skills, one per row."""
    rng = np.random.default_rng(seed)
    return np.array([rng.permutation(skill) for _ in range(n)])


def correlation_row(values: Sequence[float], skill: Sequence[float], shuffles: np.ndarray,
                    groups: Sequence[int] | None = None) -> dict[str, float]:
    """Spearman rho of ``values`` with skill; the first shuffle's rho; the 2.5-97.5% range and two-sided p of all.

    ``groups`` maps each value to a rep (index into ``skill``) for call-level rows; None means one value per rep.
    """
    index = np.arange(len(skill)) if groups is None else np.asarray(groups)
    rho = spearman(values, np.asarray(skill)[index])
    null = np.array([spearman(values, s[index]) for s in shuffles])
    return {"rho": rho, "shuffled": float(null[0]), "low": float(np.percentile(null, 2.5)),
            "high": float(np.percentile(null, 97.5)), "p": float((1 + np.sum(np.abs(null) >= abs(rho))) / (1 + len(null)))}


def fmt_p(p: float) -> str:
    """A permutation p-value as the tables print it (2,000 shuffles cannot show less than 0.001)."""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def correlation_table(rows: Mapping[str, dict[str, float]], calls: Mapping[str, dict[str, float]],
                      n_reps: int, n_calls: int) -> str:
    """Markdown: per metric, the rep-level and call-level correlations with skill against their shuffled references."""
    lines = [(f"| metric | expected sign | rho, {n_reps} reps | shuffled skill | 95% of 2,000 shuffles | permutation p | "
              f"rho, {n_calls:,} calls | shuffled skill (calls) |"),
             "| --- | :---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for spec in METRICS:
        r, c = rows[spec.key], calls[spec.key]
        sign = "+" if EXPECTED_SIGN[spec.key] > 0 else "−"
        lines.append(f"| {spec.label} | {sign} | {r['rho']:+.2f} | {r['shuffled']:+.2f} | {r['low']:+.2f} to "
                     f"{r['high']:+.2f} | {fmt_p(r['p'])} | {c['rho']:+.2f} | {c['shuffled']:+.2f} |")
    return "\n".join(lines)


def run() -> str:
    """Build the demo, analyse its calls, coach every rep, and return the markdown section."""
    from salesmind.conversations import analyse_calls
    from salesmind.conversations.coaching_views import load_call_facts, team_coaching
    from salesmind.data.scope import Scope

    with tempfile.TemporaryDirectory(prefix="salesmind-reps-") as folder:
        database, skill_by_email = build_demo(Path(folder))
        analyse_calls(database)
        with database.transaction() as session:
            team = team_coaching(session, Scope.everything())
            facts = load_call_facts(session)
        database.dispose()
    reps = [r for r in team.reps if r.email in skill_by_email]
    skill = [skill_by_email[r.email] for r in reps]
    position = {r.user_id: i for i, r in enumerate(reps)}
    shuffles = shuffled_skills(skill)
    rep_rows, call_rows = {}, {}
    for spec in METRICS:
        rep_rows[spec.key] = correlation_row([r.metric(spec.key).rep.mean for r in reps], skill, shuffles)
        pairs = [(v, position[f.user_id]) for f in facts if f.user_id in position
                 and (spec.key != "rep_questions" or f.discovery) and (v := f.value(spec.key)) is not None]
        call_rows[spec.key] = correlation_row([v for v, _ in pairs], skill, shuffles, [g for _, g in pairs])
    top = [s for r, s in zip(reps, skill) if r.is_top]
    rest = [s for r, s in zip(reps, skill) if not r.is_top]
    win = correlation_row([r.win.rate if r.win else 0.0 for r in reps], skill, shuffles)
    items = correlation_row([len(r.work_on) for r in reps], skill, shuffles)
    rep_lines = "\n".join(
        f"| {r.name} | {s:+.2f} | {r.calls} | {100 * r.win.rate:.0f}% ({100 * r.win.low:.0f}-{100 * r.win.high:.0f}%)"
        f" | {'yes' if r.is_top else ''} | {100 * r.metric('talk_ratio').rep.mean:.0f}% | "
        f"{r.metric('rep_questions').rep.mean:.1f} | {', '.join(SPECS[i.metric].short for i in r.work_on) or '—'} |"
        for r, s in sorted(zip(reps, skill), key=lambda rs: -rs[1]) if r.win is not None)
    return f"""## Rep coaching: do the call metrics separate good from weak reps? (demo company, small)

The simulator gives each of the {len(reps)} reps a hidden skill (evenly spread over [-1.5, 1.5]) that drives their
calls (talk share N(0.55 - 0.08 skill, 0.04), questions Poisson(9 + 2.2 skill) on discovery calls, fillers, pauses)
and their deals' win odds (docs/demo-company.md). Coaching never sees it. {len(facts):,} analysed calls.
Reference in the same run: the same correlations with the skills shuffled among the reps (one seeded shuffle, and
the central 95% of 2,000 shuffles; the permutation p counts shuffles at least as strong). Call-level rows use every
call (questions: discovery calls) against its rep's skill; the shuffles permute skills among reps, so calls of one
rep stay together. Reproduce: `python -m bench conversations_reps`.

{correlation_table(rep_rows, call_rows, len(reps), sum(1 for f in facts if f.user_id in position))}

Top performers by win rate ({len(top)} of {len(reps)}: top quarter of reps with at least {team.min_closed} closed
deals): mean skill {np.mean(top):+.2f}, other reps {np.mean(rest):+.2f}. Win rate against skill: Spearman
{win['rho']:+.2f} (shuffled {win['shuffled']:+.2f}, 95% of shuffles {win['low']:+.2f} to {win['high']:+.2f},
p = {fmt_p(win['p'])}). Number of "work on" items against skill: Spearman {items['rho']:+.2f} (shuffled
{items['shuffled']:+.2f}, p = {fmt_p(items['p'])}).

| rep | hidden skill | calls | win rate (95% Wilson) | top performer | talk ratio | discovery questions | work on |
| --- | ---: | ---: | ---: | :---: | ---: | ---: | --- |
{rep_lines}
"""


if __name__ == "__main__":
    print(run())
