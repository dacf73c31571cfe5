"""Per-customer features as they stood at a given time: RFM, subscription, usage, support, NPS, firmographics.

``account_features(session, now)`` returns one row per customer account (an account with a
subscription that started, or an order placed, before ``now``) and reads nothing dated at or after
``now``. Two values have no history in the CRM model and are reconstructed: the MRR at ``now`` is the
subscription's MRR scaled by the seats of its latest usage period (seat growth is the only MRR change
the data records), and utilisation comes from the latest usage period that started before ``now``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesmind.core.timeutil import ensure_utc
from salesmind.data.models import (
    Account,
    NpsResponse,
    Order,
    OrderLine,
    Subscription,
    SubscriptionUsage,
    SupportTicket,
)

#: Company size bands by employees (upper bounds), the segments the deal model and the demo use.
SIZE_SEGMENTS = ((200, "smb"), (1000, "mid_market"))
LARGEST_SEGMENT = "enterprise"
#: Numeric feature columns, in the order the segmenter uses them.
NUMERIC_FEATURES = ("recency_days", "orders", "order_value_total", "order_value_mean", "tenure_days", "mrr",
                    "seats", "utilisation", "utilisation_trend", "tickets_90d", "nps", "products_held")
CATEGORICAL_FEATURES = ("industry", "segment", "region")
#: Periods back for the utilisation trend (latest minus this many periods earlier), as the churn model reads it.
TREND_PERIODS = 3


def company_segment(employees: float | None) -> str | None:
    """smb (< 200 employees), mid_market (< 1,000) or enterprise; None when the size is unknown."""
    if employees is None or (isinstance(employees, float) and np.isnan(employees)):
        return None
    for bound, name in SIZE_SEGMENTS:
        if employees < bound:
            return name
    return LARGEST_SEGMENT


def _frame(session: Session, statement, columns: list[str]) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return pd.DataFrame([tuple(r) for r in session.execute(statement).all()], columns=columns)


def _utc(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True)


def _orders(session: Session, now: datetime) -> pd.DataFrame:
    statement = (select(Order.account_id, Order.ordered_at, Order.total)
                 .where(Order.ordered_at < now, Order.account_id.is_not(None)))
    frame = _frame(session, statement, ["account_id", "ordered_at", "total"])
    frame["ordered_at"] = _utc(frame["ordered_at"])
    frame["total"] = pd.to_numeric(frame["total"].astype(object), errors="coerce").astype(float)
    return frame


def _subscriptions(session: Session, now: datetime) -> pd.DataFrame:
    statement = (select(Subscription.id, Subscription.account_id, Subscription.mrr, Subscription.seats,
                        Subscription.started_at, Subscription.ended_at)
                 .where(Subscription.started_at < now))
    frame = _frame(session, statement, ["subscription_id", "account_id", "mrr", "seats", "started_at", "ended_at"])
    frame["mrr"] = pd.to_numeric(frame["mrr"].astype(object), errors="coerce").astype(float)
    frame["started_at"] = _utc(frame["started_at"])
    frame["ended_at"] = _utc(frame["ended_at"])
    return frame


def _usage(session: Session, now: datetime) -> pd.DataFrame:
    statement = (select(SubscriptionUsage.subscription_id, SubscriptionUsage.period_start,
                        SubscriptionUsage.active_users, SubscriptionUsage.seats)
                 .where(SubscriptionUsage.period_start < now.date()))
    return _frame(session, statement, ["subscription_id", "period_start", "active_users", "seats"])


def _products_held(session: Session, now: datetime) -> pd.Series:
    """Distinct products per account from order lines and subscription plans before ``now``."""
    lines = _frame(session, select(Order.account_id, OrderLine.product_id).join(Order, Order.id == OrderLine.order_id)
                   .where(Order.ordered_at < now, Order.account_id.is_not(None)), ["account_id", "product_id"])
    plans = _frame(session, select(Subscription.account_id, Subscription.product_id)
                   .where(Subscription.started_at < now, Subscription.product_id.is_not(None)),
                   ["account_id", "product_id"])
    both = pd.concat([lines, plans], ignore_index=True).drop_duplicates()
    return both.groupby("account_id")["product_id"].nunique()


def _usage_summary(usage: pd.DataFrame, subs: pd.DataFrame) -> pd.DataFrame:
    """Per account: seats, utilisation (latest period) and its change over ``TREND_PERIODS`` periods."""
    if usage.empty:
        return pd.DataFrame(columns=["seats_now", "utilisation", "utilisation_trend"])
    usage = usage.merge(subs[["subscription_id", "account_id"]], on="subscription_id")
    usage = usage.sort_values(["subscription_id", "period_start"])
    usage["util"] = usage["active_users"] / usage["seats"].where(usage["seats"] > 0)
    grouped = usage.groupby("subscription_id")
    last = grouped.tail(1).set_index("subscription_id")
    earlier = grouped["util"].shift(TREND_PERIODS)
    usage["trend"] = usage["util"] - earlier
    trend = usage.groupby("subscription_id")["trend"].last()
    per_sub = last[["account_id", "seats", "active_users"]].assign(trend=trend)
    per_sub = per_sub.join(subs.set_index("subscription_id")[["mrr", "ended_at"]].rename(columns={"mrr": "mrr_final"}))
    return per_sub


def account_features(session: Session, now: datetime) -> pd.DataFrame:
    """One row per customer account at ``now`` (index ``account_id``): RFM, subscription, usage, support, NPS."""
    now = ensure_utc(now, "UTC")
    orders = _orders(session, now)
    subs = _subscriptions(session, now)
    ids = sorted(set(orders["account_id"]) | set(subs["account_id"]))
    out = pd.DataFrame(index=pd.Index(ids, name="account_id"))
    if not ids:
        return out.assign(**{c: pd.Series(dtype=float) for c in NUMERIC_FEATURES},
                          **{c: pd.Series(dtype=object) for c in CATEGORICAL_FEATURES}, active=pd.Series(dtype=bool))
    by_account = orders.groupby("account_id")
    out["recency_days"] = (now - by_account["ordered_at"].max()).dt.total_seconds() / 86400.0
    out["orders"] = by_account.size().reindex(out.index).fillna(0)
    out["order_value_total"] = by_account["total"].sum().reindex(out.index).fillna(0.0)
    out["order_value_mean"] = by_account["total"].mean()
    first = pd.concat([orders.groupby("account_id")["ordered_at"].min(),
                       subs.groupby("account_id")["started_at"].min()], axis=1).min(axis=1)
    out["tenure_days"] = (now - first).dt.total_seconds() / 86400.0
    out["recency_days"] = out["recency_days"].fillna(out["tenure_days"])
    active = subs[subs["ended_at"].isna() | (subs["ended_at"] > now)]
    out["active"] = out.index.isin(active["account_id"])
    per_sub = _usage_summary(_usage(session, now), active)
    if len(per_sub):
        per_sub["mrr_now"] = per_sub["mrr_final"] * per_sub["seats"] / _final_seats(active, per_sub)
        per_sub["util"] = per_sub["active_users"] / per_sub["seats"].where(per_sub["seats"] > 0)
        weights = per_sub["seats"].fillna(0)
        agg = per_sub.assign(w_util=per_sub["util"] * weights, w=weights.where(per_sub["util"].notna(), 0))
        sums = agg.groupby("account_id")[["mrr_now", "seats", "w_util", "w"]].sum(min_count=1)
        out["mrr"] = sums["mrr_now"]
        out["seats"] = sums["seats"]
        out["utilisation"] = sums["w_util"] / sums["w"].where(sums["w"] > 0)
        out["utilisation_trend"] = per_sub.groupby("account_id")["trend"].mean()
    for column in ("mrr", "seats", "utilisation", "utilisation_trend"):
        if column not in out:
            out[column] = np.nan
    no_usage = out["mrr"].isna()
    out.loc[no_usage, "mrr"] = active.groupby("account_id")["mrr"].sum().reindex(out.index[no_usage])
    out.loc[no_usage, "seats"] = active.groupby("account_id")["seats"].sum().reindex(out.index[no_usage])
    out[["mrr", "seats"]] = out[["mrr", "seats"]].fillna(0.0)
    out["tickets_90d"] = _tickets_90d(session, now).reindex(out.index).fillna(0)
    out["nps"] = _latest_nps(session, now).reindex(out.index)
    out["products_held"] = _products_held(session, now).reindex(out.index).fillna(0)
    firmo = _firmographics(session, now).reindex(out.index)
    firmo = firmo.reindex(out.index)
    out["industry"] = firmo["industry"]
    out["segment"] = firmo["employees"].map(company_segment)
    out["region"] = firmo["region"]
    return out[list(NUMERIC_FEATURES) + list(CATEGORICAL_FEATURES) + ["active"]]


def _final_seats(active: pd.DataFrame, per_sub: pd.DataFrame) -> pd.Series:
    """The seats the stored MRR refers to (the subscription's current seats), aligned to ``per_sub``."""
    seats = active.set_index("subscription_id")["seats"].reindex(per_sub.index).astype(float)
    return seats.where(seats > 0, per_sub["seats"])


def _firmographics(session: Session, now: datetime) -> pd.DataFrame:
    """Industry, employees and region of the customer accounts (a sub-query, so no long id list)."""
    customers = (select(Order.account_id).where(Order.ordered_at < now)
                 .union(select(Subscription.account_id).where(Subscription.started_at < now)))
    statement = select(Account.id, Account.industry, Account.employees, Account.region).where(
        Account.id.in_(customers.scalar_subquery()))
    return _frame(session, statement, ["account_id", "industry", "employees", "region"]).set_index("account_id")


def _tickets_90d(session: Session, now: datetime) -> pd.Series:
    statement = (select(SupportTicket.account_id, func.count())
                 .where(SupportTicket.opened_at < now, SupportTicket.opened_at >= now - timedelta(days=90),
                        SupportTicket.account_id.is_not(None))
                 .group_by(SupportTicket.account_id))
    frame = _frame(session, statement, ["account_id", "n"])
    return frame.set_index("account_id")["n"].astype(float)


def _latest_nps(session: Session, now: datetime) -> pd.Series:
    statement = (select(NpsResponse.account_id, NpsResponse.responded_at, NpsResponse.score)
                 .where(NpsResponse.responded_at < now, NpsResponse.account_id.is_not(None)))
    frame = _frame(session, statement, ["account_id", "responded_at", "score"])
    if frame.empty:
        return pd.Series(dtype=float)
    frame["responded_at"] = _utc(frame["responded_at"])
    return frame.sort_values("responded_at").groupby("account_id")["score"].last().astype(float)
