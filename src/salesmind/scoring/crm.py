"""Scoring the CRM's own leads, deals and subscriptions (churn): train, evaluate on the newest rows,
register, promote.

Training uses the point-in-time frames of :mod:`salesmind.features`. The rows are ordered by
their cut-off (``as_of``): the model and the baselines learn from the oldest 80% and are all
measured on the newest 20% (for deals, snapshots of a deal that also appears in the newest 20%
are left out of training, so no deal is on both sides; subscriptions: see :func:`time_split`).
The served model is the one measured.
"""

from __future__ import annotations

import shutil
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from salesmind.core.db import Database, transaction
from salesmind.core.errors import UserInputError
from salesmind.data.models import ModelVersion
from salesmind.features import deal_training_frame, lead_training_frame
from salesmind.scoring.base import BASE_VALUE
from salesmind.scoring.evaluate import CrossValidation, EvaluationReport, default_models, evaluate
from salesmind.scoring.metrics import compute_metrics
from salesmind.scoring.persist import save_model
from salesmind.scoring.registry import Decision, current_version, decide, load_version, register
from salesmind.scoring.report_html import write_html
from salesmind.scoring.scorer import TabularScorer

#: CRM records scored one by one (rescoring, score pages, drift) and their model's registry name.
MODEL_NAMES = {"lead": "lead_score", "opportunity": "deal_score"}
#: Every kind trained here: the records above and subscriptions (churn within a horizon), which
#: are scored by :func:`salesmind.customers.churn.score_subscriptions` instead.
TRAINED_MODEL_NAMES = {**MODEL_NAMES, "subscription": "churn_risk"}
TARGETS = {"lead": "converted", "opportunity": "won", "subscription": "churned"}
ID_COLUMNS = {"lead": "lead_id", "opportunity": "opportunity_id", "subscription": "subscription_id"}
#: Columns of a kind's frame that are keys, not features.
KEY_COLUMNS = {"subscription": ("account_id",)}
#: Kinds whose records live on across many snapshots (see :func:`time_split`).
LONG_LIVED = ("subscription",)
TIME_COLUMN = "as_of"
HOLDOUT_SHARE = 0.2
TOP_DRIVERS = 10
Progress = Callable[[str], None]


def check_kind(kind: str) -> str:
    """``kind`` if it is a CRM record kind that can be scored, else a clear error."""
    if kind not in MODEL_NAMES:
        raise UserInputError(f"kind {kind!r}: expected one of {', '.join(MODEL_NAMES)}")
    return kind


def check_trainable(kind: str) -> str:
    """``kind`` if a model of it can be trained here (a record kind or ``subscription``), else a clear error."""
    if kind not in TRAINED_MODEL_NAMES:
        raise UserInputError(f"kind {kind!r}: expected one of {', '.join(TRAINED_MODEL_NAMES)}")
    return kind


def training_frame(session: Session, kind: str, now: datetime) -> pd.DataFrame:
    """Labelled point-in-time rows for ``kind``: id column, features, ``as_of`` and the target."""
    if check_trainable(kind) == "subscription":
        # Imported here: the customers package builds on scoring, not the other way round.
        from salesmind.customers.churn_features import churn_training_frame

        return churn_training_frame(session, now)
    if kind == "lead":
        return lead_training_frame(session, now=now)
    return deal_training_frame(session, now=now)


def time_split(frame: pd.DataFrame, kind: str,
               share: float = HOLDOUT_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the training rows (older) and the held-out rows (newest ``share``).

    Leads and deals: a record with a snapshot among the newest is left out of training. Long-lived
    records (subscriptions) are scored in production by a model that saw their earlier snapshots,
    so they stay; instead whole cut-offs are held out and training keeps only rows whose label
    window (``frame.attrs["horizon_days"]``) ends by the first held-out cut-off.
    """
    times = pd.to_datetime(frame[TIME_COLUMN], utc=True).dt.tz_localize(None).to_numpy()
    order = np.argsort(times, kind="stable")
    cut = int(round(len(order) * (1 - share)))
    if kind in LONG_LIVED and cut < len(order):
        start = times[order[cut]]
        horizon = np.timedelta64(int(frame.attrs.get("horizon_days", 0)), "D")
        held = np.flatnonzero(times >= start)
        train = np.flatnonzero(times + horizon <= start)
        return train, held
    train, held = order[:cut], order[cut:]
    ids = frame[ID_COLUMNS[kind]].to_numpy()
    train = train[~np.isin(ids[train], ids[held])]
    return np.sort(train), np.sort(held)


def _features(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    return frame.drop(columns=[TARGETS[kind]])


def _exclude(kind: str) -> tuple[str, ...]:
    return (ID_COLUMNS[kind], TIME_COLUMN, *KEY_COLUMNS.get(kind, ()))


def drivers(model: TabularScorer, X: pd.DataFrame, top: int = TOP_DRIVERS) -> list[dict]:
    """The columns with the largest mean |contribution| on ``X``, with their direction.

    ``correlation`` (numeric columns) is the rank correlation of the value with its contribution:
    positive means a higher value raises the score.
    """
    contrib = model.contributions(X).drop(columns=[BASE_VALUE], errors="ignore")
    values = model.preparer_.source_values(X)
    out = []
    ranked = [c for c in contrib.abs().mean().sort_values(ascending=False).index if c in values.columns]
    for column in ranked[:top]:
        entry: dict = {"column": column, "importance": float(contrib[column].abs().mean())}
        value = values[column]
        if pd.api.types.is_numeric_dtype(value) and value.nunique() > 1:
            corr = value.rank().corr(contrib[column].rank())
            entry["correlation"] = None if pd.isna(corr) else float(corr)
        else:
            by_value = contrib[column].groupby(value.astype("string")).mean().sort_values()
            if len(by_value):
                entry["raises"], entry["lowers"] = str(by_value.index[-1]), str(by_value.index[0])
        out.append(entry)
    return out


def typical_days_to_close(frame: pd.DataFrame, kind: str) -> float | None:
    """Median days from a won deal's first snapshot (a day after creation) to its last one."""
    if kind != "opportunity" or frame.empty:
        return None
    won = frame[frame[TARGETS[kind]] == 1]
    if won.empty:
        return None
    return float(won.groupby(ID_COLUMNS[kind])["deal_age_days"].max().median())


def _holdout_report(models: dict[str, TabularScorer], fit_seconds: dict[str, float],
                    X: pd.DataFrame, y: np.ndarray, name: str, kind: str, warnings: list[str],
                    notes: list[str]) -> EvaluationReport:
    oof = {label: m.predict_proba(X)[:, 1] for label, m in models.items()}
    fold_auc = {label: [compute_metrics(y, p).roc_auc] for label, p in oof.items()}
    cv = CrossValidation(y, oof, fit_seconds, fold_auc, n_folds=1)
    return evaluate(cv, f"{name}: newest {len(y):,} rows held out", TARGETS[kind],
                    list(_exclude(kind)), warnings, notes)


def train_crm_model(database: Database, kind: str, *, now: datetime, models_dir: Path,
                    progress: Progress | None = None, n_jobs: int = 2,
                    tune: bool = True) -> ModelVersion:
    """Train, evaluate and register a new version of the ``kind`` model; promote it if not worse."""
    say = progress or (lambda message: None)
    say("building the point-in-time training frame")
    with database.sessions() as session:
        frame = training_frame(session, kind, now)
    return train_on_frame(database, kind, frame, now=now, models_dir=models_dir, progress=progress,
                          n_jobs=n_jobs, tune=tune)


def train_on_frame(database: Database, kind: str, frame: pd.DataFrame, *, now: datetime,
                   models_dir: Path, progress: Progress | None = None, n_jobs: int = 2,
                   tune: bool = True) -> ModelVersion:
    """:func:`train_crm_model` on a frame already built (tests use it to train on altered labels)."""
    say = progress or (lambda message: None)
    name, target = TRAINED_MODEL_NAMES[check_trainable(kind)], TARGETS[kind]
    train, held = time_split(frame, kind)
    y = frame[target].to_numpy().astype(int)
    if len(held) == 0 or len(np.unique(y[train])) < 2 or len(np.unique(y[held])) < 2:
        raise UserInputError(f"{name}: {len(frame):,} labelled rows ({int(y.sum()):,} positive) "
                             "are too few to train and hold out both outcomes; add history first")
    X = _features(frame, kind)
    factories = default_models(_exclude(kind), None, n_jobs)
    # Several snapshots of one record: the inner folds keep a record's snapshots on one side.
    # (The id is also excluded: the cold-start table is built from ``exclude`` alone.)
    factories["salesmind"] = lambda: TabularScorer(exclude=_exclude(kind), tune=tune, n_jobs=n_jobs,
                                                   point_in_time=True, group_column=ID_COLUMNS[kind])
    fitted, seconds = {}, {}
    for label, make in factories.items():
        say(f"fitting {label} on {len(train):,} older rows")
        start = time.perf_counter()
        fitted[label] = make().fit(X.iloc[train], y[train])
        seconds[label] = time.perf_counter() - start
    model = fitted["salesmind"]
    say(f"evaluating on the newest {len(held):,} rows")
    notes = list(model.notes_) + list(frame.attrs.get("notes", []))
    report = _holdout_report(fitted, seconds, X.iloc[held], y[held], name, kind,
                             list(model.warnings_), notes)
    holdout_start = pd.Timestamp(frame[TIME_COLUMN].iloc[held].min())
    version = _save(model, report, models_dir / name)
    details = drivers(model, X.iloc[held])
    row = ModelVersion(
        name=name, version=version.name, status="candidate",
        kind="cold_start_naive_bayes" if model.cold_start_ else "lightgbm", path=str(version),
        window_start=pd.Timestamp(frame[TIME_COLUMN].iloc[train].min()).to_pydatetime(),
        window_end=pd.Timestamp(frame[TIME_COLUMN].iloc[train].max()).to_pydatetime(),
        rows=int(len(train)), positives=int(y[train].sum()),
        features={"columns": [s.name for s in model.preparer_.specs_],
                  "drivers": [d["column"] for d in details],
                  "driver_details": details},
        metrics=report.to_dict(),
        notes={"leak_warnings": list(model.warnings_), "notes": notes,
               "cold_start": model.cold_start_,
               "cold_start_minimum": {"rows": model.min_rows, "positives": model.min_positives},
               "holdout_start": holdout_start.isoformat(), "holdout_rows": int(len(held)),
               "model_kind": model.model_kind_, "trained_at": now.isoformat(),
               "horizon_days": frame.attrs.get("horizon_days"),
               "typical_days_to_close": typical_days_to_close(frame.iloc[train], kind)})
    with transaction(database.sessions) as session:
        decision = _compare(session, name, model, X.iloc[held], y[held],
                            frame[TIME_COLUMN].iloc[held])
        register(session, row, decision, now)
    say(f"{row.status}: {decision.reason}")
    return row


def _save(model: TabularScorer, report: EvaluationReport, root: Path) -> Path:
    """Save into ``root/<version>/`` with the HTML report; return the folder."""
    staging = root / f".staging-{uuid.uuid4().hex}"
    meta = save_model(model, staging, report.to_dict()["models"])
    write_html(report, staging / "report.html")
    final = root / meta["version"]
    if final.exists():
        shutil.rmtree(final)
    staging.rename(final)
    return final.resolve()


def _compare(session: Session, name: str, model: TabularScorer, X: pd.DataFrame, y: np.ndarray,
             as_of: pd.Series) -> Decision:
    """The promotion decision, with both versions measured on the same held-out rows.

    Only held-out rows newer than the current version's own holdout start are used, so the
    current version is never measured on rows it learned from.
    """
    current = current_version(session, name)
    if current is None:
        return decide(compute_metrics(y, model.predict_proba(X)[:, 1]), None, len(y))
    start = (current.notes or {}).get("holdout_start")
    keep = (pd.to_datetime(as_of, utc=True) >= pd.Timestamp(start)).to_numpy() if start \
        else np.ones(len(y), bool)
    if keep.sum() < 20 or len(np.unique(y[keep])) < 2:
        return Decision(True, "the current version's training window overlaps every held-out "
                              "row: no fair comparison, the newer version is promoted")
    try:
        old = load_version(current).predict_proba(X[keep])[:, 1]
    except Exception as exc:  # a current model from an older feature set may not apply
        return Decision(True, f"the current version cannot score the new rows ({exc})")
    new = model.predict_proba(X[keep])[:, 1]
    return decide(compute_metrics(y[keep], new), compute_metrics(y[keep], old), int(keep.sum()))
