"""Churn risk of subscriptions: train the model, score the active book, raise early warnings.

The churn model is the scoring engine's: ``train_on_frame`` with kind ``subscription`` gives the
calibrated LightGBM (cold-start table on little history), the baselines, the HTML report, the
registry and its promotion rule. Scores are stored as :class:`ModelPrediction` rows (entity type
``subscription``) with their reasons in sentences; warnings as :class:`CustomerAlert` rows. The
expected time to churn and the subscription's value come from :mod:`salesmind.customers.survival`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from salesmind.core.db import Database, transaction
from salesmind.core.errors import UserInputError
from salesmind.customers.churn_features import (
    HORIZON_DAYS,
    churn_current_frame,
    churn_training_frame,
)
from salesmind.customers.survival import (
    HORIZON_MONTHS,
    ChurnSurvival,
    lifetimes,
    subscription_value,
)
from salesmind.customers.warnings import (
    JUMP,
    THRESHOLD,
    causes,
    decide_alerts,
    distinct,
    protective,
    suggest_play,
)
from salesmind.data.models import CustomerAlert, ModelPrediction, ModelVersion
from salesmind.features.frames import rows_for_ids
from salesmind.scoring.crm import TRAINED_MODEL_NAMES, train_on_frame
from salesmind.scoring.reasons import grade
from salesmind.scoring.registry import current_version, load_version
from salesmind.scoring.sentences import sentence

KIND = "subscription"
MODEL_NAME = TRAINED_MODEL_NAMES[KIND]


@dataclass(frozen=True)
class ChurnScoring:
    """What one scoring run did; ``table`` has one row per scored subscription (subscription_id,
    account_id, probability, causes, protective, play)."""

    scored: int
    alerts_raised: int
    threshold_alerts: int
    jump_alerts: int
    model_version: str | None
    horizon_days: int | None = None
    table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    def to_dict(self) -> dict:
        """JSON-ready counts."""
        return {k: v for k, v in vars(self).items() if k != "table"}


@dataclass
class ChurnRefresh:
    """Per account, the riskiest active subscription's churn view plus the value of all of them."""

    by_account: dict[int, dict[str, Any]]
    alerts_raised: int
    notes: list[str]
    scoring: ChurnScoring


def train_churn_model(database: Database, now: datetime, models_dir: Path, horizon_days: int = HORIZON_DAYS,
                      tune: bool = False, n_jobs: int = 2,
                      progress: Callable[[str], None] | None = None) -> ModelVersion:
    """Train, evaluate on the newest cut-offs and register a churn model; promote it if not worse."""
    if horizon_days < 1:
        raise UserInputError(f"horizon of {horizon_days} days: expected at least 1 day")
    with database.sessions() as session:
        frame = churn_training_frame(session, now, horizon_days)
    return train_on_frame(database, KIND, frame, now=now, models_dir=models_dir, progress=progress,
                          n_jobs=n_jobs, tune=tune)


def score_subscriptions(database: Database, now: datetime, models_dir: Path, threshold: float = THRESHOLD,
                        jump: float = JUMP) -> ChurnScoring:
    """Score the active subscriptions with the current churn model; store scores and new alerts."""
    with transaction(database.sessions) as session:
        version = current_version(session, MODEL_NAME)
        if version is None:
            raise UserInputError(f"no current {MODEL_NAME} model: train one first "
                                 "(salesmind.customers.churn.train_churn_model)")
        if not Path(version.path).is_absolute():
            version.path = str(models_dir / version.path)
        frame = churn_current_frame(session, now)
        if frame.empty:
            return ChurnScoring(0, 0, 0, 0, version.version, (version.notes or {}).get("horizon_days"))
        model = load_version(version)
        proba = model.predict_proba(frame)[:, 1]
        explained = model.explain(frame, top=3)
        ids = frame["subscription_id"].astype(int).tolist()
        previous = previous_probabilities(session, ids, now)
        open_ids = open_alert_subscriptions(session, ids)
        decisions = decide_alerts(dict(zip(ids, proba.tolist())), previous, open_ids, threshold, jump)
        horizon = (version.notes or {}).get("horizon_days")
        session.execute(insert(ModelPrediction), [
            {"model_name": version.name, "model_version": version.version, "entity_type": KIND,
             "entity_id": sid, "scored_at": now, "probability": p, "score": round(100 * p, 1), "grade": grade(p),
             "reasons": {"positive": distinct(sentence(r) for r in reasons if r.contribution > 0),
                         "negative": protective(reasons), "horizon_days": horizon}}
            for sid, p, reasons in zip(ids, proba.tolist(), explained)])
        position = {sid: k for k, sid in enumerate(ids)}
        rows = frame.to_dict("records")
        for decision in decisions:
            k = position[decision.subscription_id]
            session.add(CustomerAlert(
                account_id=int(rows[k]["account_id"]), subscription_id=decision.subscription_id, raised_at=now,
                kind=decision.kind, probability=decision.probability,
                previous_probability=decision.previous_probability,
                causes=causes(explained[k], rows[k]), play=suggest_play(explained[k]),
                status="open", model_version=version.version))
        kinds = [d.kind for d in decisions]
        table = pd.DataFrame({
            "subscription_id": ids, "account_id": frame["account_id"].astype(int).to_numpy(), "probability": proba,
            "causes": [causes(reasons, row) for reasons, row in zip(explained, rows)],
            "protective": [protective(reasons) for reasons in explained],
            "play": [suggest_play(reasons) for reasons in explained]})
        return ChurnScoring(len(ids), len(decisions), kinds.count("threshold"), kinds.count("jump"),
                            version.version, horizon, table)


def previous_probabilities(session: Session, ids: Sequence[int], now: datetime) -> dict[int, float]:
    """The newest churn probability stored before ``now`` for each of ``ids`` that has one."""
    latest = rows_for_ids(
        session, lambda chunk: select(func.max(ModelPrediction.id))
        .where(ModelPrediction.entity_type == KIND, ModelPrediction.model_name == MODEL_NAME,
               ModelPrediction.entity_id.in_(chunk), ModelPrediction.scored_at < now)
        .group_by(ModelPrediction.entity_id), ids, ["id"])
    rows = rows_for_ids(
        session, lambda chunk: select(ModelPrediction.entity_id, ModelPrediction.probability)
        .where(ModelPrediction.id.in_(chunk)), latest["id"].astype(int).tolist(), ["entity_id", "probability"])
    return {int(i): float(p) for i, p in zip(rows["entity_id"], rows["probability"]) if p is not None}


def open_alert_subscriptions(session: Session, ids: Sequence[int]) -> set[int]:
    """Those of ``ids`` with an open churn alert."""
    rows = rows_for_ids(session, lambda chunk: select(CustomerAlert.subscription_id)
                        .where(CustomerAlert.status == "open", CustomerAlert.subscription_id.in_(chunk)),
                        ids, ["subscription_id"])
    return {int(i) for i in rows["subscription_id"]}


def subscription_outlook(session: Session, now: datetime, margin: float = 0.8, monthly_discount: float = 0.01,
                         months: int = HORIZON_MONTHS, value_months: int | None = None) -> pd.DataFrame:
    """Per active subscription: median and restricted-mean months to churn (up to ``months``) and
    the discounted margin over its survival curve for ``value_months`` (default ``months``).

    A :class:`ChurnSurvival` model is fitted on the subscriptions' history as of ``now`` (seconds
    on thousands of subscriptions); ``frame.attrs`` carries the method and its held-out concordance.
    """
    history = churn_training_frame(session, now, horizon_days=0)
    life = lifetimes(session, history, now)
    keep = (life["duration"] > 0).to_numpy()
    model = ChurnSurvival().fit(history[keep].reset_index(drop=True), life["duration"].to_numpy()[keep],
                                life["event"].to_numpy()[keep], history["subscription_id"].to_numpy()[keep])
    current = churn_current_frame(session, now)
    if current.empty:
        return pd.DataFrame(columns=["subscription_id", "account_id", "median_months",
                                     "restricted_mean_months", "value"])
    expected = model.expected_months(current, months)
    curves = model.survival_curves(current, months)
    mrr = np.nan_to_num(current["mrr"].to_numpy(dtype=float))
    out = pd.concat([current[["subscription_id", "account_id"]], expected], axis=1)
    out["value"] = subscription_value(curves.iloc[:(value_months or months) + 1], mrr, margin, monthly_discount)
    out.attrs.update({"method": model.method_, "concordance": model.concordance_, "months": months})
    return out


def refresh_churn(database: Database, *, now: datetime, models_dir: Path, horizon_months: int = 12,
                  margin: float = 0.8, monthly_discount: float = 0.01, threshold: float = THRESHOLD,
                  jump: float = JUMP) -> ChurnRefresh:
    """Score the active subscriptions (training a model first when none is current), raise warnings,
    and add the survival model's expected months to churn and the subscriptions' value over
    ``horizon_months``, per account (the riskiest subscription speaks for the account)."""
    notes: list[str] = []
    with database.sessions() as session:
        missing = current_version(session, MODEL_NAME) is None
    if missing:
        version = train_churn_model(database, now, models_dir)
        notes.append(f"no current {MODEL_NAME} model: trained {version.version} ({version.kind}, {version.status})")
    scoring = score_subscriptions(database, now, models_dir, threshold, jump)
    table = scoring.table.copy()
    survival: dict[str, Any] | None = None
    try:
        with database.sessions() as session:
            outlook = subscription_outlook(session, now, margin, monthly_discount, max(HORIZON_MONTHS, horizon_months),
                                           value_months=horizon_months)
        table = table.merge(outlook.drop(columns=["account_id"]), on="subscription_id", how="left")
        survival = {"method": outlook.attrs["method"], "held_out_concordance": outlook.attrs["concordance"],
                    "expected_months": f"restricted mean up to {outlook.attrs['months']} months"}
    except UserInputError as exc:
        notes.append(f"expected time to churn skipped: {exc}")
        table["restricted_mean_months"] = np.nan
        table["value"] = np.nan
    by_account: dict[int, dict[str, Any]] = {}
    for account_id, rows in table.groupby("account_id"):
        top = rows.loc[rows["probability"].idxmax()]
        by_account[int(account_id)] = {
            "probability": float(top["probability"]), "causes": top["causes"], "protective": top["protective"],
            "play": top["play"], "warning_threshold": threshold, "horizon_days": scoring.horizon_days,
            "survival_model": survival, "model_version": scoring.model_version,
            "expected_months_to_churn": top["restricted_mean_months"],
            "subscription_value": float(rows["value"].sum()) if rows["value"].notna().any() else None,
            "subscriptions": [int(i) for i in rows["subscription_id"]]}
    return ChurnRefresh(by_account, scoring.alerts_raised, notes, scoring)
