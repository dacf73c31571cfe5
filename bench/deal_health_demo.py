"""Deal health on the demo company: does the health score rank deals that will be lost above won ones?

The small demo company is built and its calls analysed. At monthly as-of dates over the last
year, every deal open that day and closed (won or lost) later is assessed with only what was
known that day (``salesmind.deals.deal_signals``, which reads nothing dated after it), and
``100 - score`` is compared with the eventual outcome: ROC-AUC of lost vs won, and per red flag
the loss rate of snapshots with the flag against those without (lift). Two baselines are
measured on the same snapshots: days since the last activity alone, and the stage rank alone
(earlier stage = riskier). The rules' thresholds were set by hand before this run, not fitted on
it; the demo's causes are documented in docs/demo-company.md.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold, cross_val_predict
from sqlalchemy import select

from bench._small_demo import small_demo
from bench.scoring import machine
from salesmind.conversations.service import analyse_calls
from salesmind.core.db import Database
from salesmind.data.models import Opportunity
from salesmind.deals.health import FLAG_CODES, assess
from salesmind.deals.signals import deal_signals, open_deal_ids

DEMO_AS_OF = datetime(2026, 11, 1, tzinfo=UTC)
MONTHS = 12


def monthly_dates(end: datetime, months: int) -> list[datetime]:
    """The first day of each of the ``months`` months before ``end``'s month, oldest first."""
    first = pd.Timestamp(end.year, end.month, 1, tz=UTC)
    return [(first - pd.DateOffset(months=k)).to_pydatetime() for k in range(months, 0, -1)]


def snapshots(database: Database, dates: list[datetime], now: datetime) -> pd.DataFrame:
    """One row per (as-of date, deal open then and closed by ``now``): score, flags, baselines, lost."""
    rows = []
    with database.sessions() as session:
        outcome = {i: str(getattr(o, "value", o)) for i, o in session.execute(
            select(Opportunity.id, Opportunity.outcome).where(Opportunity.closed_at <= now))}
        for as_of in dates:
            ids = [i for i in open_deal_ids(session, as_of) if outcome.get(i) in ("won", "lost")]
            for opp, signals in deal_signals(session, as_of, ids).items():
                health = assess(signals)
                codes = {f.code for f in health.flags}
                rows.append({"as_of": as_of, "opportunity_id": opp, "lost": int(outcome[opp] == "lost"),
                             "risk": 100.0 - health.score, "stage_rank": signals.stage_rank,
                             "days_since_last_activity": signals.days_since_last_activity,
                             **{code: code in codes for code in FLAG_CODES}})
    return pd.DataFrame(rows)


def auc(lost: pd.Series, risk: pd.Series) -> float:
    """ROC-AUC of ``risk`` for ``lost`` (missing risk counts as the most risky: nothing known)."""
    filled = risk.astype(float).fillna(float(np.nanmax(risk.astype(float))) + 1.0 if risk.notna().any() else 0.0)
    return float(roc_auc_score(lost, filled))


def fitted_auc(frame: pd.DataFrame, columns: list[str], folds: int = 5) -> float:
    """ROC-AUC of a logistic regression on ``columns``, out of fold (folds grouped by deal, so a deal's
    snapshots never sit on both sides)."""
    X = frame[columns].astype(float).to_numpy()
    proba = cross_val_predict(LogisticRegression(max_iter=1000), X, frame["lost"], groups=frame["opportunity_id"],
                              cv=GroupKFold(folds), method="predict_proba")[:, 1]
    return float(roc_auc_score(frame["lost"], proba))


def flag_lifts(frame: pd.DataFrame) -> pd.DataFrame:
    """Per flag: share of snapshots flagged, loss rate with and without it, and their ratio (lift)."""
    out = []
    for code in FLAG_CODES:
        on = frame[code].astype(bool)
        with_, without = frame.loc[on, "lost"], frame.loc[~on, "lost"]
        rate_on = float(with_.mean()) if len(with_) else np.nan
        rate_off = float(without.mean()) if len(without) else np.nan
        out.append({"flag": code, "share": float(on.mean()), "loss_with": rate_on, "loss_without": rate_off,
                    "lift": rate_on / rate_off if rate_off else np.nan})
    return pd.DataFrame(out)


def run() -> str:
    """Build and analyse the small demo company, assess deals at monthly dates, return the markdown section."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        database = small_demo(folder, DEMO_AS_OF)
        analyse_calls(database)
        frame = snapshots(database, monthly_dates(DEMO_AS_OF, MONTHS), DEMO_AS_OF)
        database.dispose()
    seconds = time.perf_counter() - started
    health_auc = auc(frame["lost"], frame["risk"])
    activity_auc = auc(frame["lost"], frame["days_since_last_activity"])
    stage_auc = auc(frame["lost"], -frame["stage_rank"].astype(float))
    flags_fit = fitted_auc(frame, list(FLAG_CODES))
    flags_stage_fit = fitted_auc(frame, [*FLAG_CODES, "stage_rank"])
    lines = [
        "## Deal health on the demo company (lost vs won)",
        "",
        (f"Small demo company (seed 42, as of {DEMO_AS_OF.date()}), calls analysed; {MONTHS} monthly as-of dates; "
         f"{len(frame)} snapshots of {frame['opportunity_id'].nunique()} deals open on the day and closed later "
         f"({frame['lost'].mean():.0%} of snapshots end lost). Only records dated before each as-of date are read. "
         f"{seconds:.0f} s in all. {machine()}"),
        "",
        "| ranking of risk | ROC-AUC (lost above won) | vs health score |",
        "|---|---|---|",
        f"| salesmind health (100 - score) | {health_auc:.3f} | 1.00 |",
        f"| days since last activity alone | {activity_auc:.3f} | {activity_auc / health_auc:.2f} |",
        f"| stage rank alone (earlier = riskier) | {stage_auc:.3f} | {stage_auc / health_auc:.2f} |",
        (f"| the 8 flags, weights fitted (logistic regression, 5-fold CV by deal) | {flags_fit:.3f} | "
         f"{flags_fit / health_auc:.2f} |"),
        f"| the 8 flags + stage rank, fitted the same way | {flags_stage_fit:.3f} | {flags_stage_fit / health_auc:.2f} |",
        "",
        "| red flag | share of snapshots | loss rate with | loss rate without | lift |",
        "|---|---|---|---|---|",
    ]
    for r in flag_lifts(frame).itertuples():
        lift = "n/a" if np.isnan(r.lift) else f"{r.lift:.2f}"
        with_ = "n/a" if np.isnan(r.loss_with) else f"{r.loss_with:.0%}"
        lines.append(f"| `{r.flag}` | {r.share:.0%} | {with_} | {r.loss_without:.0%} | {lift} |")
    lines += ["", ("Thresholds are the defaults of `salesmind.deals.HealthConfig`, set by hand (not fitted on these "
                   "snapshots). Snapshots of one deal at several dates are not independent.")]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
