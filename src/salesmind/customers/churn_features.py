"""Point-in-time churn features of subscriptions: usage trends, seats, tickets, NPS, champion, contact.

Every feature of a row is computed from what was known strictly before its cut-off ``as_of``:

- a usage period counts once it is over: from the day after ``period_start`` + the period length
  (the median gap between a subscription's periods, 30 days when there is only one);
- the subscriptions table keeps only the *current* MRR and seats, so MRR at the cut-off is the
  current price per seat times the seats of the last usage period before it (using the stored
  MRR would tell the model about seat growth that happened later);
- tickets, NPS answers and activities count when opened, answered or logged before ``as_of``; the
  champion leaving is known from the bounce logged for it (``email_bounced`` with
  ``details.event = "champion_left"``), not from when they left.

Payment behaviour is not in the CRM model (no invoice or payment table), so there is no payment
feature. "Renewal conversations avoided" is approximated by ``emails_unanswered_90d``: emails
sent to the account in the last 90 days minus the replies received.

Training rows (:func:`churn_training_frame`) are snapshots of every subscription active at cut-offs
on a calendar grid, every ``step_days`` back from ``now - horizon_days`` (so every label is
known), labelled ``churned`` when the subscription ended within ``horizon_days`` after the cut-off.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.data.models import (
    Activity,
    NpsResponse,
    Subscription,
    SubscriptionUsage,
    SupportTicket,
)
from salesmind.features.frames import rows_for_ids, rows_frame

HORIZON_DAYS = 90
STEP_DAYS = 90
MIN_TENURE_DAYS = 30
DEFAULT_PERIOD_DAYS = 30.0
TREND_DAYS = 180
KEY = "_row"
CHAMPION_LEFT = "champion_left"
#: Feature columns in the order the frames carry them.
FEATURES = ("tenure_days", "mrr", "seats", "seat_change_90d", "utilisation", "utilisation_90d_ago",
            "utilisation_change_90d", "utilisation_trend", "usage_units_trend", "tickets_30d", "tickets_90d",
            "high_priority_tickets_90d", "open_tickets", "latest_nps", "nps_change", "days_since_nps",
            "champion_left", "days_since_champion_left", "days_since_account_activity", "emails_unanswered_90d")


def churn_training_frame(session: Session, now: datetime, horizon_days: int = HORIZON_DAYS,
                         step_days: int = STEP_DAYS) -> pd.DataFrame:
    """Labelled snapshots: subscription_id, account_id, as_of, the features and ``churned``."""
    subs = _subscriptions(session, None)
    cutoffs = training_cutoffs(subs, pd.Timestamp(now), horizon_days, step_days)
    frame = subscription_features(session, cutoffs, subs)
    ended = subs.set_index("subscription_id")["ended_at"].reindex(frame["subscription_id"]).to_numpy()
    ended = pd.to_datetime(pd.Series(ended), utc=True)
    as_of = pd.to_datetime(frame["as_of"], utc=True).reset_index(drop=True)
    frame["churned"] = (ended.notna() & (ended <= as_of + pd.Timedelta(days=horizon_days))).astype(int).to_numpy()
    frame.attrs["horizon_days"] = horizon_days
    frame.attrs["notes"] = [(f"churn within {horizon_days} days of snapshots every {step_days} days; "
                             "no payment data in the CRM, so no payment features")]
    return frame


def churn_current_frame(session: Session, now: datetime,
                        subscription_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """Features as of ``now`` of the subscriptions active then (optionally only ``subscription_ids``)."""
    subs = _subscriptions(session, subscription_ids)
    at = pd.Timestamp(now)
    at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
    active = subs[(subs["started_at"] <= at) & (subs["ended_at"].isna() | (subs["ended_at"] > at))]
    cutoffs = pd.DataFrame({"subscription_id": active["subscription_id"].to_numpy(),
                            "account_id": active["account_id"].to_numpy(), "as_of": at})
    return subscription_features(session, cutoffs, subs)


def training_cutoffs(subs: pd.DataFrame, now: pd.Timestamp, horizon_days: int = HORIZON_DAYS,
                     step_days: int = STEP_DAYS) -> pd.DataFrame:
    """(subscription_id, account_id, as_of) of every subscription active at each grid cut-off."""
    now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
    last = now - pd.Timedelta(days=horizon_days)
    if subs.empty:
        return pd.DataFrame(columns=["subscription_id", "account_id", "as_of"])
    first = subs["started_at"].min() + pd.Timedelta(days=MIN_TENURE_DAYS)
    grid = []
    at = last
    while at >= first:
        grid.append(at)
        at -= pd.Timedelta(days=step_days)
    parts = []
    for at in reversed(grid):
        alive = subs[(subs["started_at"] + pd.Timedelta(days=MIN_TENURE_DAYS) <= at)
                     & (subs["ended_at"].isna() | (subs["ended_at"] > at))]
        parts.append(pd.DataFrame({"subscription_id": alive["subscription_id"].to_numpy(),
                                   "account_id": alive["account_id"].to_numpy(), "as_of": at}))
    return pd.concat(parts, ignore_index=True) if parts else \
        pd.DataFrame(columns=["subscription_id", "account_id", "as_of"])


def subscription_features(session: Session, cutoffs: pd.DataFrame,
                          subs: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per cut-off row (subscription_id, account_id, as_of) with the features of :data:`FEATURES`."""
    cut = cutoffs[["subscription_id", "account_id", "as_of"]].reset_index(drop=True).copy()
    cut["as_of"] = pd.to_datetime(cut["as_of"], utc=True)
    cut[KEY] = np.arange(len(cut))
    if subs is None:
        subs = _subscriptions(session, cut["subscription_id"].unique().tolist())
    sub_ids = cut["subscription_id"].unique().tolist()
    accounts = cut["account_id"].unique().tolist()
    info = subs.set_index("subscription_id").reindex(cut["subscription_id"])
    out = pd.DataFrame(index=cut.index)
    out["tenure_days"] = (cut["as_of"] - pd.to_datetime(info["started_at"].to_numpy(), utc=True)) \
        .dt.total_seconds().to_numpy() / 86400.0
    usage = _usage_features(_usage(session, sub_ids), cut)
    price = (info["mrr"] / info["seats"].where(info["seats"] > 0)).to_numpy()
    out = out.join(usage)
    out.insert(1, "mrr", price * out["seats"].to_numpy())
    out = out.join(_ticket_features(_tickets(session, accounts), cut))
    out = out.join(_nps_features(_nps(session, accounts), cut))
    out = out.join(_activity_features(_activities(session, accounts), cut))
    out = out[list(FEATURES)]
    return pd.concat([cut[["subscription_id", "account_id", "as_of"]], out], axis=1)


# -- loading -----------------------------------------------------------------------------------------


def _subscriptions(session: Session, ids: Iterable[int] | None) -> pd.DataFrame:
    stmt = select(Subscription.id, Subscription.account_id, Subscription.started_at, Subscription.ended_at,
                  Subscription.mrr, Subscription.seats)
    columns = ["subscription_id", "account_id", "started_at", "ended_at", "mrr", "seats"]
    if ids is None:
        frame = rows_frame(session, stmt, columns)
    else:
        frame = rows_for_ids(session, lambda chunk: stmt.where(Subscription.id.in_(chunk)), ids, columns)
    for col in ("started_at", "ended_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    frame["mrr"] = pd.to_numeric(frame["mrr"].map(lambda v: None if v is None else float(v)))
    frame["seats"] = pd.to_numeric(frame["seats"])
    return frame


def _usage(session: Session, ids: list[int]) -> pd.DataFrame:
    usage = rows_for_ids(
        session, lambda chunk: select(SubscriptionUsage.subscription_id, SubscriptionUsage.period_start,
                                      SubscriptionUsage.active_users, SubscriptionUsage.seats,
                                      SubscriptionUsage.usage_units)
        .where(SubscriptionUsage.subscription_id.in_(chunk)),
        ids, ["subscription_id", "period_start", "active_users", "seats", "usage_units"])
    usage["period_start"] = pd.to_datetime(usage["period_start"]).dt.tz_localize("UTC")
    usage = usage.sort_values(["subscription_id", "period_start"], kind="stable")
    gaps = usage.groupby("subscription_id")["period_start"].diff().dt.total_seconds() / 86400.0
    period = float(gaps.median()) if gaps.notna().any() else DEFAULT_PERIOD_DAYS
    # Known from the day after the period ends.
    usage["known_at"] = usage["period_start"] + pd.Timedelta(days=period + 1.0)
    for col in ("active_users", "seats", "usage_units"):
        usage[col] = pd.to_numeric(usage[col])
    usage["utilisation"] = usage["active_users"] / usage["seats"].where(usage["seats"] > 0)
    return usage


def _tickets(session: Session, accounts: list[int]) -> pd.DataFrame:
    tickets = rows_for_ids(
        session, lambda chunk: select(SupportTicket.account_id, SupportTicket.opened_at, SupportTicket.closed_at,
                                      SupportTicket.priority).where(SupportTicket.account_id.in_(chunk)),
        accounts, ["account_id", "opened_at", "closed_at", "priority"])
    for col in ("opened_at", "closed_at"):
        tickets[col] = pd.to_datetime(tickets[col], utc=True)
    return tickets


def _nps(session: Session, accounts: list[int]) -> pd.DataFrame:
    nps = rows_for_ids(
        session, lambda chunk: select(NpsResponse.account_id, NpsResponse.responded_at, NpsResponse.score)
        .where(NpsResponse.account_id.in_(chunk)), accounts, ["account_id", "responded_at", "score"])
    nps["responded_at"] = pd.to_datetime(nps["responded_at"], utc=True)
    nps["score"] = pd.to_numeric(nps["score"])
    return nps.sort_values("responded_at", kind="stable")


def _activities(session: Session, accounts: list[int]) -> pd.DataFrame:
    acts = rows_for_ids(
        session, lambda chunk: select(Activity.account_id, Activity.type, Activity.occurred_at, Activity.details)
        .where(Activity.account_id.in_(chunk)), accounts, ["account_id", "type", "occurred_at", "details"])
    acts["type"] = acts["type"].map(lambda t: getattr(t, "value", t))
    acts["occurred_at"] = pd.to_datetime(acts["occurred_at"], utc=True)
    acts["champion_left"] = (acts["type"] == "email_bounced") & acts["details"].map(
        lambda d: isinstance(d, dict) and d.get("event") == CHAMPION_LEFT)
    return acts.drop(columns=["details"])


# -- features ----------------------------------------------------------------------------------------


def _before(events: pd.DataFrame, cut: pd.DataFrame, on: str, time: str) -> pd.DataFrame:
    """``events`` joined to every cut-off row of the same ``on`` and kept when strictly before it,
    with ``age`` in days."""
    merged = events.merge(cut[[KEY, on, "as_of"]], on=on, how="inner")
    merged = merged[merged[time] < merged["as_of"]].copy()
    merged["age"] = (merged["as_of"] - merged[time]).dt.total_seconds() / 86400.0
    return merged


def _usage_features(usage: pd.DataFrame, cut: pd.DataFrame) -> pd.DataFrame:
    known = _before(usage, cut, "subscription_id", "known_at").sort_values([KEY, "period_start"], kind="stable")
    out = pd.DataFrame(index=cut.index)
    last = known.groupby(KEY).tail(1).set_index(KEY)
    out["seats"] = last["seats"]
    out["utilisation"] = last["utilisation"]
    # The period before, as of 90 days earlier: what a manager would have seen then.
    earlier = known[known["age"] > 90.0].groupby(KEY).tail(1).set_index(KEY)
    out["utilisation_90d_ago"] = earlier["utilisation"]
    out["utilisation_change_90d"] = out["utilisation"] - out["utilisation_90d_ago"]
    out["seat_change_90d"] = out["seats"] / earlier["seats"].where(earlier["seats"] > 0) - 1.0
    out["utilisation_trend"] = _slope_per_30_days(known[known["age"] <= TREND_DAYS])
    recent = known[known["age"] <= 90.0].groupby(KEY)["usage_units"].sum()
    before = known[(known["age"] > 90.0) & (known["age"] <= 180.0)].groupby(KEY)["usage_units"].sum()
    out["usage_units_trend"] = recent.reindex(out.index) / before.reindex(out.index).where(lambda s: s > 0) - 1.0
    return out


def _slope_per_30_days(known: pd.DataFrame) -> pd.Series:
    """Least-squares slope of utilisation against time (per 30 days), from three periods or more."""
    x = -known["age"] / 30.0
    frame = pd.DataFrame({KEY: known[KEY], "x": x, "y": known["utilisation"]}).dropna()
    g = frame.groupby(KEY)
    n = g["x"].count()
    mean_x, mean_y = g["x"].transform("mean"), g["y"].transform("mean")
    sxy = ((frame["x"] - mean_x) * (frame["y"] - mean_y)).groupby(frame[KEY]).sum()
    sxx = ((frame["x"] - mean_x) ** 2).groupby(frame[KEY]).sum()
    return (sxy / sxx.where(sxx > 0)).where(n >= 3)


def _ticket_features(tickets: pd.DataFrame, cut: pd.DataFrame) -> pd.DataFrame:
    seen = _before(tickets, cut, "account_id", "opened_at")
    out = pd.DataFrame(index=cut.index)

    def count(mask: pd.Series) -> pd.Series:
        return mask.groupby(seen[KEY]).sum().reindex(cut.index).fillna(0).astype(int)

    out["tickets_30d"] = count(seen["age"] <= 30)
    out["tickets_90d"] = count(seen["age"] <= 90)
    out["high_priority_tickets_90d"] = count((seen["age"] <= 90) & (seen["priority"] == "high"))
    out["open_tickets"] = count(seen["closed_at"].isna() | (seen["closed_at"] >= seen["as_of"]))
    return out


def _nps_features(nps: pd.DataFrame, cut: pd.DataFrame) -> pd.DataFrame:
    seen = _before(nps, cut, "account_id", "responded_at").sort_values([KEY, "responded_at"], kind="stable")
    out = pd.DataFrame(index=cut.index)
    last = seen.groupby(KEY).tail(1).set_index(KEY)
    previous = seen.groupby(KEY).nth(-2).set_index(KEY)
    out["latest_nps"] = last["score"]
    out["nps_change"] = out["latest_nps"] - previous["score"]
    out["days_since_nps"] = last["age"]
    return out


def _activity_features(acts: pd.DataFrame, cut: pd.DataFrame) -> pd.DataFrame:
    seen = _before(acts, cut, "account_id", "occurred_at")
    out = pd.DataFrame(index=cut.index)
    left = seen[seen["champion_left"]].groupby(KEY)["age"].min()
    out["champion_left"] = left.reindex(out.index).notna()
    out["days_since_champion_left"] = left
    out["days_since_account_activity"] = seen.groupby(KEY)["age"].min()
    recent = seen[seen["age"] <= 90]
    sent = (recent["type"] == "email_sent").groupby(recent[KEY]).sum()
    replied = (recent["type"] == "email_replied").groupby(recent[KEY]).sum()
    unanswered = (sent.reindex(out.index).fillna(0) - replied.reindex(out.index).fillna(0)).clip(lower=0)
    out["emails_unanswered_90d"] = unanswered.astype(int)
    return out

