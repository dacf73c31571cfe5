"""Discount guidance over the database: train and register the model, recommend a deal's discount, the model card.

The model is registered like the scoring models (a :class:`~salesmind.data.models.ModelVersion` named
``discount``, its joblib file under the home's ``models/discount/<version>/``); a new version replaces
the serving one under :func:`salesmind.scoring.registry.decide`, comparing both on the new test slice.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.analytics.frames import deal_frame, stage_events
from salesmind.core.errors import NotFound, UserInputError
from salesmind.data.models import ModelVersion, Opportunity
from salesmind.data.scope import Scope
from salesmind.discounts.features import FEATURES, discount_rows, training_rows
from salesmind.discounts.guardrails import guardrail_for
from salesmind.discounts.model import DiscountModel
from salesmind.discounts.recommend import Recommendation, best_index, discount_grid, expected_value
from salesmind.discounts.training import train_discount_model
from salesmind.scoring.metrics import Metrics, compute_metrics
from salesmind.scoring.registry import current_version, decide, list_versions, register

MODEL_NAME = "discount"
MODEL_FILE = "model.joblib"
TOP_REASONS = 4
NO_MODEL = "no discount model is trained yet: run 'salesmind discounts train'"
_loaded: OrderedDict[str, DiscountModel] = OrderedDict()


class NoDiscountModel(UserInputError):
    """Discount guidance was asked for before a model was trained."""

    http_status = 409


def _save(model: DiscountModel, models_dir: Path, now: datetime) -> tuple[str, Path]:
    staging = models_dir / MODEL_NAME / "_new"
    staging.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, staging / MODEL_FILE)
    digest = hashlib.sha256((staging / MODEL_FILE).read_bytes()).hexdigest()[:10]
    version = f"{now:%Y%m%dT%H%M%SZ}-{digest}"
    folder = models_dir / MODEL_NAME / version
    if folder.exists():
        (staging / MODEL_FILE).unlink()
    else:
        staging.rename(folder)
    return version, folder


def load_model(version: ModelVersion) -> DiscountModel:
    """The model saved for ``version`` (the last few loaded are kept in memory)."""
    path = str(Path(version.path) / MODEL_FILE)
    if path not in _loaded:
        model = joblib.load(path)
        if not isinstance(model, DiscountModel):
            raise UserInputError(f"{path} does not hold a salesmind discount model")
        _loaded[path] = model
        while len(_loaded) > 4:
            _loaded.popitem(last=False)
    return _loaded[path]


def train(session: Session, models_dir: Path, now: datetime) -> dict[str, Any]:
    """Train on every closed deal with a discount, register the version, return the run's summary."""
    deals = deal_frame(session, Scope.everything())
    rows = training_rows(deals, stage_events(session, deals))
    result = train_discount_model(rows)
    version, folder = _save(result.model, Path(models_dir), now)
    taken = {v.version for v in list_versions(session, MODEL_NAME)}
    base, n = version, 1
    while version in taken:  # the same model retrained within the same second
        n += 1
        version = f"{base}-{n}"
    serving = current_version(session, MODEL_NAME)
    current_metrics: Metrics | None = None
    if serving is not None:
        try:
            current_metrics = compute_metrics(result.test_rows["won"], load_model(serving).predict_proba(result.test_rows))
        except (OSError, UserInputError, KeyError, ValueError):
            current_metrics = None
    decision = decide(compute_metrics(result.test_rows["won"], result.model.predict_proba(result.test_rows)),
                      current_metrics, len(result.test_rows))
    summary = result.summary()
    row = ModelVersion(name=MODEL_NAME, version=version, kind="lightgbm_monotone", path=str(folder),
                       window_start=rows["closed_at"].min().to_pydatetime(),
                       window_end=rows["closed_at"].max().to_pydatetime(), rows=len(rows),
                       positives=int(rows["won"].sum()), features={"columns": FEATURES}, metrics=summary["metrics"],
                       notes={k: v for k, v in summary.items() if k != "metrics"}, created_at=now)
    register(session, row, decision, now)
    return {"version": version, "status": row.status, "decision": decision.reason, **summary}


def model_card(session: Session) -> dict[str, Any] | None:
    """The serving version's metrics, split, calibration table and average response curve (None before training)."""
    version = current_version(session, MODEL_NAME)
    if version is None:
        return None
    return {"version": version.version, "created_at": version.created_at, "rows": version.rows,
            "positives": version.positives, "metrics": version.metrics or {}, **(version.notes or {})}


def _reasons(model: DiscountModel, row: pd.DataFrame) -> list[dict[str, Any]]:
    contrib = model.contributions(row).iloc[0]
    top = contrib.abs().sort_values(ascending=False).index[:TOP_REASONS]
    return [{"feature": f, "value": row.iloc[0][f] if not isinstance(row.iloc[0][f], np.generic)
             else row.iloc[0][f].item(), "effect": float(contrib[f])} for f in top]


def recommend_row(model: DiscountModel, row: pd.DataFrame, *, max_pct: float, objective: str = "revenue",
                  cost_pct: float | None = None) -> Recommendation:
    """The curve and recommendation for one row of :func:`salesmind.discounts.features.discount_rows`."""
    one = row.iloc[[0]].reset_index(drop=True)
    grid = discount_grid(max_pct)
    list_amount = float(one["list_amount"].iloc[0])
    if not np.isfinite(list_amount) or list_amount <= 0:
        raise UserInputError(f"deal {int(one['deal_id'].iloc[0])} has no amount: set one to get a discount")
    p = model.curve(one, grid)[0]
    value = expected_value(p, grid, list_amount, objective, cost_pct)
    best = best_index(value)
    given = float(one["discount_given"].iloc[0]) if pd.notna(one["discount_given"].iloc[0]) else None
    current = given or 0.0
    current_p = float(model.curve(one, np.array([current]))[0, 0])
    current_value = float(expected_value(np.array([current_p]), np.array([current]), list_amount, objective,
                                         cost_pct)[0])
    return Recommendation(int(one["deal_id"].iloc[0]), list_amount, objective, max_pct, cost_pct, grid.tolist(),
                          p.tolist(), value.tolist(), float(grid[best]), float(p[best]), float(value[best]),
                          current, current_p, current_value, given is not None, _reasons(model, one))


def close_history(session: Session) -> pd.DataFrame:
    """Owner, outcome and close time of every closed deal (what owner win rates are counted from)."""
    rows = session.execute(select(Opportunity.owner_id, Opportunity.outcome, Opportunity.closed_at)
                           .where(Opportunity.closed_at.is_not(None))).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["owner_id", "outcome", "closed_at"])
    frame["outcome"] = [str(getattr(o, "value", o)) for o in frame["outcome"]]
    frame["closed_at"] = pd.to_datetime(frame["closed_at"], utc=True)
    return frame


def deal_discount(session: Session, scope: Scope, deal_id: int) -> Recommendation:
    """An open deal's discount curve and recommendation under its guardrail (scope-checked)."""
    deal = session.get(Opportunity, deal_id)
    if deal is None or not scope.can_see(deal.owner_id):
        raise NotFound(f"opportunity {deal_id} not found")
    version = current_version(session, MODEL_NAME)
    if version is None:
        raise NoDiscountModel(NO_MODEL)
    deals = deal_frame(session, Scope.everything(), owner_ids=None if deal.owner_id is None else [deal.owner_id])
    deals = deals[deals["deal_id"] == deal_id]
    if deals.empty:
        raise NotFound(f"opportunity {deal_id} not found")
    # the owner's win rate and its company prior count every deal's close, as in training
    row = discount_rows(deals, stage_events(session, deals), close_history(session))
    if row["outcome"].iloc[0] != "open":
        raise UserInputError(f"opportunity {deal_id} is closed: discount guidance is for open deals")
    rule = guardrail_for(session, deals["segment"].iloc[0])
    return recommend_row(load_model(version), row, max_pct=rule.max_pct, objective=rule.objective,
                         cost_pct=rule.cost_pct)
