"""Territory assignment at scale: 200 reps x 20,000 accounts, the exact MILP against round-robin and greedy.

The synthetic company (seeded, :func:`synthetic_company`): 4 regions with 50 reps each; accounts in 3 segments x
8 industries x 4 regions (96 cells). Each rep has a hidden skill (normal, sd 0.5 on the log-odds) plus a hidden
affinity per industry (sd 0.3); the company's base win rates are 30% (smb), 22% (mid-market), 15% (enterprise).
Each rep's history is 0 to 80 closed deals (so some reps have only a handful) drawn from those true
probabilities in random cells of their region; the planner sees only that history, through the empirical-Bayes
model of ``salesmind.territories.winrates``. 40% of accounts have open pipeline (lognormal value, median 20k x
segment size); the rest are valued at their segment's average won deal. Current owners are random reps of the
account's region; 2% of accounts are locked (late-stage deals).

Every assignment is scored on the model's expected won revenue (what the optimiser maximises) and on the
*hidden* true probabilities (what a company would actually win in expectation), in the same run. The same is
done on the small demo company (built here, seed 42) with its real reps, accounts and closed deals.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from bench.scoring import machine
from salesmind.data.scope import Scope
from salesmind.territories.baselines import greedy, round_robin
from salesmind.territories.data import build_problem
from salesmind.territories.evaluate import Evaluation, evaluate
from salesmind.territories.problem import PlanSettings, TerritoryProblem
from salesmind.territories.solve import solve
from salesmind.territories.winrates import RepWinModel

REGIONS = ("NA", "EMEA", "APAC", "LATAM")
SEGMENTS = {"smb": (0.30, 1.0), "mid_market": (0.22, 3.0), "enterprise": (0.15, 10.0)}
INDUSTRIES = ("software", "retail", "health", "finance", "manufacturing", "energy", "media", "education")
DEMO_AS_OF = datetime(2026, 11, 1, tzinfo=UTC)


def synthetic_company(reps: int = 200, accounts: int = 20_000, seed: int = 7,
                      settings: PlanSettings | None = None) -> tuple[TerritoryProblem, np.ndarray]:
    """The seeded synthetic problem (win probabilities from the EB model on simulated history) and the hidden truth."""
    rng = np.random.default_rng(seed)
    cells = [(s, i, r) for s in SEGMENTS for i in INDUSTRIES for r in REGIONS]
    rep_region = np.array([REGIONS[k % len(REGIONS)] for k in range(reps)])
    skill = rng.normal(0, 0.5, reps)
    affinity = rng.normal(0, 0.3, (reps, len(INDUSTRIES)))
    base = np.array([logit(SEGMENTS[s][0]) for s, _, _ in cells])
    industry = np.array([INDUSTRIES.index(i) for _, i, _ in cells])
    truth = expit(base[None, :] + skill[:, None] + affinity[:, industry])
    history = []
    for r in range(reps):
        own = [c for c, cell in enumerate(cells) if cell[2] == rep_region[r]]
        picked = rng.choice(own, int(rng.integers(0, 81)))
        won = rng.random(len(picked)) < truth[r, picked]
        history += [(r, *cells[c], bool(w)) for c, w in zip(picked, won)]
    deals = pd.DataFrame(history, columns=["owner_id", "segment", "industry", "region", "won"])
    prob = RepWinModel().fit(deals).predict(list(range(reps)), cells)
    cell = rng.integers(0, len(cells), accounts)
    size = np.array([SEGMENTS[cells[c][0]][1] for c in cell])
    value = np.where(rng.random(accounts) < 0.4, rng.lognormal(np.log(20_000), 0.8, accounts) * size, 0.0)
    for c in np.unique(cell):  # accounts without pipeline: their segment's average deal
        same_segment = size == size[cell == c][0]
        value[(cell == c) & (value == 0)] = value[same_segment & (value > 0)].mean()
    current = np.array([rng.choice(np.flatnonzero(rep_region == cells[c][2])) for c in cell])
    locked = rng.random(accounts) < 0.02
    problem = TerritoryProblem(rep_ids=list(range(reps)), rep_names=[f"rep{r}" for r in range(reps)],
                               rep_regions=list(rep_region), account_ids=np.arange(accounts), value=value,
                               cell=cell, cells=cells, current=current, locked=locked, prob=prob,
                               settings=settings or PlanSettings())
    return problem, truth


def _true_objective(problem: TerritoryProblem, truth: np.ndarray | None, assign: np.ndarray) -> float | None:
    if truth is None:
        return None
    return float((problem.value * truth[assign, problem.cell]).sum())


def compare(problem: TerritoryProblem, truth: np.ndarray | None = None) -> tuple[pd.DataFrame, dict]:
    """The optimiser, current owners, round-robin and greedy on one problem: objective, time, moves, violations."""
    rows, info = [], {}
    started = time.perf_counter()
    solution = solve(problem)
    info = {"seconds": time.perf_counter() - started, "gap": solution.mip_gap, "status": solution.status,
            "variables": solution.variables, "groups": solution.groups, "bound": solution.dual_bound}
    runs = [("MILP (HiGHS)", solution.assign, info["seconds"])]
    runs.append(("current owners", problem.current, 0.0))
    for name, method in (("round-robin (region)", round_robin), ("greedy", greedy)):
        started = time.perf_counter()
        assign = method(problem)
        runs.append((name, assign, time.perf_counter() - started))
    base: Evaluation = evaluate(problem, problem.current)
    for name, assign, seconds in runs:
        result = evaluate(problem, assign)
        rows.append({"method": name, "seconds": seconds, "expected_won": result.objective,
                     "net_of_move_cost": result.net_objective, "vs_current": result.objective / base.objective - 1,
                     "true_expected_won": _true_objective(problem, truth, assign), "moves": result.moves,
                     "capacity_violations": result.capacity_violations,
                     "balance_violations": result.balance_violations, "feasible": result.feasible})
    return pd.DataFrame(rows), info


def _table(frame: pd.DataFrame, truth: bool) -> list[str]:
    columns = ["method", "time (s)", "expected won (model)", "vs current"]
    columns += ["expected won (hidden truth)"] if truth else []
    columns += ["net of move cost", "moves", "reps over capacity", "reps out of balance"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in frame.itertuples():
        true = f" {r.true_expected_won:,.0f} |" if truth else ""
        lines.append(f"| {r.method} | {r.seconds:.2f} | {r.expected_won:,.0f} | {r.vs_current:+.1%} |{true} "
                     f"{r.net_of_move_cost:,.0f} | {r.moves:,} | {r.capacity_violations} | {r.balance_violations} |")
    return lines


def _info(info: dict) -> str:
    proven = (f"proven relative gap **{info['gap']:.1e}** (dual bound {info['bound']:,.0f})"
              if np.isfinite(info["gap"]) and np.isfinite(info["bound"]) else "**no bound proven** in the time limit")
    return (f"HiGHS status **{info['status']}**, {proven}, {info['variables']:,} variables for {info['groups']:,} "
            f"groups of interchangeable accounts, {info['seconds']:.1f} s including the model build.")


def demo_section() -> list[str]:
    """The same comparison on the small demo company's real reps, accounts and closed deals."""
    from bench._small_demo import small_demo

    lines = []
    with tempfile.TemporaryDirectory() as folder:
        database = small_demo(folder, DEMO_AS_OF)
        with database.sessions() as session:
            data = build_problem(session, Scope.everything(), PlanSettings(balance=0.3, move_cost=0.05))
        frame, info = compare(data.problem)
        database.dispose()
    p = data.problem
    title = (f"**Small demo company** ({p.n_reps} reps, {len(p.account_ids):,} accounts, {int(p.locked.sum())} "
             "locked by late-stage deals; same region, balance +-30%, move cost 5% of value; values and win "
             "rates from its CRM, no hidden truth used):")
    lines += [title, "", *_table(frame, False), "", _info(info)]
    return lines


def run() -> str:
    """Markdown section: synthetic 200 x 20,000 (without and with balance) and the small demo company."""
    settings = PlanSettings(capacity=130, balance=0.25, move_cost=0.05, same_region=True, time_limit=60,
                            mip_gap=1e-4)
    intro = (f"Machine: {machine()}. Synthetic company: 200 reps x 20,000 accounts (seed 7; generator in "
             "`bench/territories_assign.py`), same region, capacity 130 accounts per rep, balance +-25% of the "
             "region's mean value (second table), move cost 5% of the account's value, 2% of accounts locked, "
             "HiGHS time limit 60 s (one thread). Greedy and round-robin ignore balance, so they are infeasible "
             "where the table shows reps out of balance.")
    lines = ["## Territory assignment (`python -m bench territories_assign`)", "", intro, ""]
    cases = ((PlanSettings(**{**settings.to_dict(), "balance": None, "locked_account_ids": ()}),
              "exact values, capacity + region + move cost (no balance)"),
             (settings, "exact values, capacity + region + move cost + balance +-25%"))
    for case, label in cases:
        problem, truth = synthetic_company(settings=case)
        frame, info = compare(problem, truth)
        lines += [f"**Synthetic, {label}:**", "", *_table(frame, True), "", _info(info), ""]
    lines += demo_section()
    return "\n".join(lines) + "\n"
