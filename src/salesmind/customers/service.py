"""The customer-intelligence job: one refresh computes and stores every customer account's health.

:func:`refresh_customers` runs, as of one time and only on what was known then:

1. churn risk per active subscription from the promoted ``churn_risk`` model (trained first when
   none is promoted), with its causes in words, early warnings and the expected months to churn
   from the survival model;
2. lifetime value: BG/NBD + Gamma-Gamma on the account's orders (probability still buying,
   expected orders, value with an 80% band) plus the survival-weighted subscription margin;
3. segments (k-means on RFM and behaviour, named in words);
4. cross-sell recommendations with their reasons and the next best actions with their evidence.

Each part that cannot run on the data at hand (too few churned subscriptions, repeat buyers or
customers) is skipped with a note saying why, and the others still run. The rows are written in
one transaction: a failed refresh leaves the previous values untouched, and a refresh as of the same
moment as an earlier one replaces it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import pandas as pd
from sqlalchemy import delete, select, update

from salesmind.core.db import Database, transaction
from salesmind.core.errors import UserInputError
from salesmind.data.models import CustomerAlert, CustomerValue, Subscription

Progress = Callable[[str], None]
#: Refreshes as of earlier times are refused (pandas' time range starts in 1677; no CRM is that old).
EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc)
#: Fewer active customers than this are not segmented (silhouette needs several per segment).
MIN_SEGMENT_ACCOUNTS = 20
#: Cross-sell products kept per account.
RECOMMENDATIONS = 3


@dataclass
class RefreshSummary:
    """What a refresh did."""

    as_of: datetime
    accounts: int
    alerts_raised: int
    segments: dict[str, int]
    notes: list[str] = field(default_factory=list)


@dataclass
class ClvResult:
    """Lifetime value for a user's own transactions table."""

    table: pd.DataFrame
    parameters: dict[str, Any]


def _clean(value: Any) -> Any:
    """A JSON- and database-friendly scalar (NaN and infinities become None)."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return None if math.isnan(number) or math.isinf(number) else number


def refresh_customers(database: Database, *, now: datetime, models_dir: Path, horizon_months: int = 12,
                      progress: Progress | None = None) -> RefreshSummary:
    """Compute and store churn risk, lifetime value, segment and advice for every customer account."""
    say = progress or (lambda message: None)
    if now < EARLIEST:
        raise UserInputError(f"as of {now.isoformat()} is before {EARLIEST.year}: pick a time the CRM covers")
    notes: list[str] = []
    say("scoring churn risk")
    churn, alerts_raised = _churn_part(database, now, models_dir, horizon_months, notes)
    say("fitting lifetime value")
    clv = _clv_part(database, now, horizon_months, notes)
    say("segmenting customers")
    segments = _segment_part(database, now, notes)
    say("recommending products and actions")
    advice = _advice_part(database, now, notes)
    accounts = sorted(set(churn) | set(clv) | set(segments) | set(advice))
    rows = [_value_row(a, now, horizon_months, churn.get(a, {}), clv.get(a, {}), segments.get(a, {}),
                       advice.get(a, {})) for a in accounts]
    with transaction(database.sessions) as session:
        # A refresh as of the same moment replaces the earlier one (re-running is idempotent).
        session.execute(delete(CustomerValue).where(CustomerValue.as_of == now))
        session.add_all(rows)
    counts: dict[str, int] = {}
    for row in rows:
        if row.segment:
            counts[row.segment] = counts.get(row.segment, 0) + 1
    return RefreshSummary(as_of=now, accounts=len(rows), alerts_raised=alerts_raised,
                          segments=dict(sorted(counts.items(), key=lambda kv: -kv[1])), notes=notes)


def _value_row(account_id: int, now: datetime, horizon_months: int, churn: dict[str, Any], clv: dict[str, Any],
               segment: dict[str, Any], advice: dict[str, Any]) -> CustomerValue:
    parts = {k: v for k, v in (("subscriptions", churn.get("subscription_value")), ("orders", clv.get("clv")))
             if _clean(v) is not None}
    total = sum(parts.values()) if parts else None
    low = _sum_band(parts, churn.get("subscription_value"), clv.get("clv_low"))
    high = _sum_band(parts, churn.get("subscription_value"), clv.get("clv_high"))
    details = {k: v for k, v in {
        "causes": churn.get("causes"), "protective": churn.get("protective"), "play": churn.get("play"),
        "warning_threshold": churn.get("warning_threshold"), "horizon_days": churn.get("horizon_days"),
        "survival_model": churn.get("survival_model"), "churn_model_version": churn.get("model_version"),
        "value_parts": {k: round(float(v), 2) for k, v in parts.items()} or None,
        "purchases": clv.get("purchases"), "segment_description": segment.get("description"),
        "recommendations": advice.get("recommendations"), "next_actions": advice.get("next_actions"),
    }.items() if v not in (None, [], {})}
    return CustomerValue(
        account_id=int(account_id), as_of=now, horizon_months=horizon_months,
        churn_probability=_clean(churn.get("probability")),
        expected_months_to_churn=_clean(churn.get("expected_months_to_churn")),
        p_alive=_clean(clv.get("p_alive")), expected_purchases=_clean(clv.get("expected_purchases")),
        clv=_clean(total), clv_low=_clean(low), clv_high=_clean(high), segment=segment.get("name"),
        details=details)


def _sum_band(parts: dict[str, float], subscription: Any, order_bound: Any) -> float | None:
    """A band end: the order CLV's bound plus the subscription value (whose own band is not modelled)."""
    if "orders" not in parts or _clean(order_bound) is None:
        return None
    return float(order_bound) + float(_clean(subscription) or 0.0)


def _churn_part(database: Database, now: datetime, models_dir: Path, horizon_months: int,
                notes: list[str]) -> tuple[dict[int, dict[str, Any]], int]:
    """Per account: the riskiest active subscription's probability, causes and play; new warnings."""
    from salesmind.customers import churn

    try:
        result = churn.refresh_churn(database, now=now, models_dir=models_dir, horizon_months=horizon_months)
    except UserInputError as exc:
        notes.append(f"churn risk skipped: {exc}")
        return {}, 0
    notes.extend(result.notes)
    with transaction(database.sessions) as session:  # a warning about a subscription that has ended is moot
        ended = select(Subscription.id).where(Subscription.ended_at <= now)
        closed = session.execute(update(CustomerAlert).where(CustomerAlert.status == "open",
                                                             CustomerAlert.subscription_id.in_(ended))
                                 .values(status="resolved")).rowcount
    if closed:
        notes.append(f"{closed} open warning(s) resolved: their subscriptions have ended")
    return result.by_account, result.alerts_raised


def _clv_part(database: Database, now: datetime, horizon_months: int,
              notes: list[str]) -> dict[int, dict[str, Any]]:
    """Per account: BG/NBD + Gamma-Gamma lifetime value of its orders."""
    from salesmind.customers.clv import crm_clv

    try:
        with database.sessions() as session:
            table = crm_clv(session, now, horizon_months=horizon_months)
    except UserInputError as exc:
        notes.append(f"order lifetime value skipped: {exc}")
        return {}
    out: dict[int, dict[str, Any]] = {}
    for account_id, row in table.iterrows():
        out[int(account_id)] = {
            "p_alive": row.get("p_alive"), "expected_purchases": row.get("expected_purchases"),
            "clv": row.get("clv"), "clv_low": row.get("clv_low"), "clv_high": row.get("clv_high"),
            "purchases": {k: _clean(row.get(k)) for k in ("frequency", "recency", "T", "monetary_value")
                          if k in row.index}}
    return out


def _segment_part(database: Database, now: datetime, notes: list[str]) -> dict[int, dict[str, Any]]:
    """Per active customer: its segment's name and the rules that named it (k-means, k by silhouette)."""
    from salesmind.customers.account_features import account_features
    from salesmind.customers.segments import Segmenter

    with database.sessions() as session:
        frame = account_features(session, now)
    active = frame[frame["active"]] if len(frame) else frame
    if len(active) < MIN_SEGMENT_ACCOUNTS:
        notes.append(f"segments skipped: {len(active)} active customers, at least {MIN_SEGMENT_ACCOUNTS} needed")
        return {}
    try:
        model = Segmenter().fit(active)
    except UserInputError as exc:
        notes.append(f"segments skipped: {exc}")
        return {}
    names = model.names_
    return {int(a): {"name": names[int(label)].name, "description": "; ".join(names[int(label)].reasons)}
            for a, label in zip(active.index, model.labels_)}


def _advice_part(database: Database, now: datetime, notes: list[str]) -> dict[int, dict[str, Any]]:
    """Per account: cross-sell recommendations with reasons and the next best actions with evidence."""
    from salesmind.customers.nba import account_actions
    from salesmind.customers.recommend import CooccurrenceRecommender, load_purchases

    out: dict[int, dict[str, Any]] = {}
    with database.sessions() as session:
        purchases = load_purchases(session, now)
        try:
            model = CooccurrenceRecommender().fit(purchases)
            ranked = model.recommend(sorted(purchases["account_id"].unique()), k=RECOMMENDATIONS)
            for account_id, part in ranked.groupby("account_id"):
                out.setdefault(int(account_id), {})["recommendations"] = [
                    {"product": r.product, "score": round(float(r.score), 4), "reason": r.reason}
                    for r in part.sort_values("rank").itertuples()]
        except UserInputError as exc:
            notes.append(f"recommendations skipped: {exc}")
        try:
            for account_id, actions in account_actions(session, now, top=3).items():
                out.setdefault(int(account_id), {})["next_actions"] = actions
        except UserInputError as exc:
            notes.append(f"next best actions skipped: {exc}")
    return out


def clv_from_csv(path: Path, *, customer: str, date: str, value: str | None = None,
                 calibration_end: datetime | None = None, horizon_months: int = 12,
                 progress: Progress | None = None) -> ClvResult:
    """BG/NBD (+ Gamma-Gamma when ``value`` is given) lifetime value for a user's own transactions file."""
    from salesmind.customers.clv import clv_for_transactions
    from salesmind.scoring.service import read_table

    say = progress or (lambda message: None)
    say(f"reading {path.name}")
    frame = read_table(path)
    say("fitting BG/NBD and Gamma-Gamma")
    table, parameters = clv_for_transactions(frame, customer_col=customer, date_col=date, value_col=value,
                                             calibration_end=calibration_end, horizon_months=horizon_months)
    return ClvResult(table=table, parameters=parameters)
