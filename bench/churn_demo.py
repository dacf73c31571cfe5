"""Churn on the demo company: the product's churn model on its newest cut-offs, and time to churn.

The large demo company (cached by :mod:`bench._large_demo`; ``SALESMIND_BENCH_DEMO_SIZE=small``
for a smoke run) is read as of its last day. The point-in-time training frame is the one
``salesmind.customers.churn.train_churn_model`` builds; it is trained through
``salesmind.scoring.crm.train_on_frame`` (kind ``subscription``) with the registry in a scratch
database, so the cached company is only read. Reported: the calibrated LightGBM and its
baselines on the held-out newest cut-offs, the drivers it found against the documented causes,
and the survival model's concordance on the same held-out rows next to the LightGBM ranking's
(the survival model learns from the training cut-offs with lifetimes censored at the first
held-out cut-off, so it never sees the held-out outcomes).
"""

from __future__ import annotations

import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from lifelines.utils import concordance_index

from bench import _large_demo
from bench.scoring import machine
from salesmind.core.db import Database
from salesmind.core.settings import Settings
from salesmind.customers.churn_features import churn_training_frame
from salesmind.customers.survival import ChurnSurvival, lifetimes
from salesmind.customers.warnings import CAUSE_KINDS
from salesmind.scoring.crm import time_split, train_on_frame
from salesmind.scoring.registry import load_version

DOCUMENTED = ("usage", "champion", "support", "nps")


def scratch_database(folder: Path) -> Database:
    """A migrated SQLite database in ``folder`` for the registry rows of the run."""
    database = Database(Settings.from_env({"SALESMIND_HOME": str(folder), "SALESMIND_SECRET_KEY": "bench",
                                           "SALESMIND_DATABASE_URL": f"sqlite:///{folder / 'registry.db'}"}))
    database.migrate()
    return database


def evaluate_company(database: Database, now: datetime, scratch: Path, tune: bool = True,
                     n_jobs: int = 2) -> dict:
    """Train and evaluate churn on ``database`` as of ``now``; every number the section reports."""
    started = time.perf_counter()
    with database.sessions() as session:
        frame = churn_training_frame(session, now)
    built = time.perf_counter() - started
    started = time.perf_counter()
    version = train_on_frame(scratch_database(scratch), "subscription", frame, now=now,
                             models_dir=scratch / "models", tune=tune, n_jobs=n_jobs)
    trained = time.perf_counter() - started
    train, held = time_split(frame, "subscription")
    holdout_start = frame["as_of"].iloc[held].min().to_pydatetime()
    started = time.perf_counter()
    with database.sessions() as session:
        past = lifetimes(session, frame.iloc[train], holdout_start)    # censored at the held-out start
        future = lifetimes(session, frame.iloc[held], now)
    keep = (past["duration"] > 0).to_numpy()
    rows = frame.iloc[train][keep]
    survival = ChurnSurvival().fit(rows, past["duration"].to_numpy()[keep], past["event"].to_numpy()[keep],
                                   rows["subscription_id"].to_numpy())
    fitted = time.perf_counter() - started
    gbm = load_version(version).predict_proba(frame.iloc[held])[:, 1]
    duration, event = future["duration"].to_numpy(), future["event"].to_numpy()
    return {
        "rows": len(frame), "subscriptions": int(frame["subscription_id"].nunique()),
        "cutoffs": int(frame["as_of"].nunique()), "train_rows": len(train), "held_rows": len(held),
        "held_rate": float(frame["churned"].iloc[held].mean()), "holdout_start": holdout_start,
        "version": version, "drivers": version.features["driver_details"],
        "survival_method": survival.method_, "survival_inner": survival.concordance_,
        "concordance": {"survival": float(concordance_index(duration, -survival.risk_score(frame.iloc[held]), event)),
                        "lightgbm": float(concordance_index(duration, -gbm, event))},
        "seconds": {"frame": built, "train": trained, "survival": fitted},
    }


def cause_ranks(drivers: list[dict]) -> dict[str, int]:
    """The rank (1 = strongest) of the first driver of each kind of cause, for the kinds found."""
    ranks: dict[str, int] = {}
    for rank, driver in enumerate(drivers, start=1):
        kind = CAUSE_KINDS.get(driver["column"])
        if kind is not None and kind not in ranks:
            ranks[kind] = rank
    return ranks


def metrics_table(metrics: dict) -> str:
    """Markdown rows of each model's held-out metrics, with the difference to logistic regression."""
    models = {m["name"]: m["metrics"] for m in metrics["models"]}
    ref = models["logistic regression"]
    lines = ["| model | ROC-AUC | PR-AUC | log loss | Brier | ECE | AUC − logistic |", "|---|---|---|---|---|---|---|"]
    for name, x in models.items():
        lines.append(f"| {name} | {x['roc_auc']:.4f} | {x['pr_auc']:.4f} | {x['log_loss']:.4f} | {x['brier']:.4f} | "
                     f"{x['ece']:.4f} | {x['roc_auc'] - ref['roc_auc']:+.4f} |")
    return "\n".join(lines)


def drivers_table(drivers: list[dict], top: int = 10) -> str:
    """Markdown rows of the strongest drivers, their kind of cause and direction."""
    lines = ["| rank | feature | cause | mean abs. contribution | rank corr. value vs contribution |",
             "|---|---|---|---|---|"]
    for rank, d in enumerate(drivers[:top], start=1):
        corr = d.get("correlation")
        lines.append(f"| {rank} | `{d['column']}` | {CAUSE_KINDS.get(d['column'], '-')} | {d['importance']:.3f} | "
                     f"{'-' if corr is None else f'{corr:+.2f}'} |")
    return "\n".join(lines)


def run() -> str:
    """The markdown section for docs/benchmarks.md."""
    marker = _large_demo.ensure_large_demo()
    now = datetime.fromisoformat(str(marker["as_of"])).replace(tzinfo=timezone.utc)
    home = _large_demo.CACHE / "home"
    database = Database(Settings.from_env({"SALESMIND_HOME": str(home), "SALESMIND_SECRET_KEY": "bench"}))
    with tempfile.TemporaryDirectory() as tmp:
        result = evaluate_company(database, now, Path(tmp))
    version = result["version"]
    ranks = cause_ranks(result["drivers"])
    found = ", ".join(f"{k} #{ranks[k]}" if k in ranks else f"{k} not in the top {len(result['drivers'])}"
                      for k in DOCUMENTED)
    c = result["concordance"]
    s = result["seconds"]
    inner = ", ".join(f"{k} {v:.4f}" for k, v in result["survival_inner"].items())
    return f"""## Churn on the demo company (`python -m bench churn_demo`)

Command: `.venv/bin/python -m bench churn_demo` ({_large_demo.SIZE} demo company, seed {marker['seed']},
as of {marker['as_of']}). Machine: {machine()}.

{result['subscriptions']:,} subscriptions, {result['rows']:,} snapshots at {result['cutoffs']} cut-offs 90 days
apart, label: churn within 90 days. Trained on {result['train_rows']:,} rows whose label windows end by the
first held-out cut-off ({result['holdout_start']:%Y-%m-%d}); held out: the newest {result['held_rows']:,} rows
(churn rate {result['held_rate']:.2%}). Model kind: {version.kind}.

{metrics_table(version.metrics)}

Documented causes (demo-company.md: usage decline and low usage, champion left, tickets, low NPS)
among the model's drivers: {found}.

{drivers_table(result['drivers'])}

Time to churn: the survival model chose **{result['survival_method']}** (inner held-out concordance:
{inner}). On the held-out rows, concordance of the lifetimes after the cut-off with the survival
model's risk: **{c['survival']:.4f}**; with the LightGBM 90-day probability: **{c['lightgbm']:.4f}**.

Seconds: training frame {s['frame']:.0f}, LightGBM with baselines and report {s['train']:.0f},
survival model {s['survival']:.0f}.
"""


if __name__ == "__main__":
    print(run())
