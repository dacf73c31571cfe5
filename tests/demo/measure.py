"""Measurements taken from a built demo database, independently of the generator's internals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import text

from salesmind.core.db import Database
from salesmind.demo import CAUSAL


def frame(database: Database, sql: str) -> pd.DataFrame:
    """Run ``sql`` and return its rows as a frame."""
    with database.engine.connect() as conn:
        result = conn.execute(text(sql))
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _utc(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True, format="mixed")


def lead_signals(database: Database) -> pd.DataFrame:
    """Each lead's documented signals at its signal time and whether it converted."""
    leads = frame(database, "SELECT id, source, created_at, first_response_at, converted_at FROM leads")
    for col in ("created_at", "first_response_at", "converted_at"):
        leads[col] = _utc(leads[col])
    leads["signal_at"] = leads["created_at"] + pd.Timedelta(days=CAUSAL.leads.signal_days)
    events = frame(database, "SELECT lead_id, type, occurred_at, url FROM activities WHERE lead_id IS NOT NULL")
    events["occurred_at"] = _utc(events["occurred_at"])
    events = events.merge(leads[["id", "signal_at"]], left_on="lead_id", right_on="id")
    events = events[events["occurred_at"] < events["signal_at"]]
    age = (events["signal_at"] - events["occurred_at"]).dt.total_seconds() / 86400.0
    by = events["lead_id"]
    index = leads["id"]
    count = lambda mask: mask.groupby(by).sum().reindex(index).fillna(0).to_numpy()  # noqa: E731
    recent, earlier = count(age <= 14), count((age > 14) & (age <= 90))
    url = events["url"].fillna("")
    out = pd.DataFrame({"id": index.to_numpy(), "source": leads["source"].to_numpy()})
    out["log_velocity"] = np.log((recent / 14 + 0.05) / (earlier / 76 + 0.05))
    out["pricing_visits"] = count((events["type"] == "web_visit") & url.str.contains("/pricing") & (age <= 30))
    out["response_hours"] = ((leads["first_response_at"] - leads["created_at"]).dt.total_seconds() / 3600).to_numpy()
    out["converted"] = leads["converted_at"].notna().to_numpy()
    # leads too young to have had their chance are left out
    as_of = leads["created_at"].max()
    out["mature"] = ((as_of - leads["created_at"]).dt.days > 90).to_numpy()
    return out


def rep_stats(database: Database) -> pd.DataFrame:
    """Win rate of closed deals and talk ratio on calls, per rep."""
    deals = frame(database, "SELECT owner_id, outcome FROM opportunities WHERE outcome != 'open'")
    win = deals.assign(won=deals["outcome"] == "won").groupby("owner_id")["won"].agg(["mean", "size"])
    talk = frame(database, """
        SELECT c.user_id AS owner_id, c.id AS call_id, p.role AS role, SUM(u.end_seconds - u.start_seconds) AS secs
        FROM utterances u JOIN call_participants p ON p.id = u.participant_id JOIN calls c ON c.id = u.call_id
        GROUP BY c.user_id, c.id, p.role""")
    pivot = talk.pivot_table(index=["owner_id", "call_id"], columns="role", values="secs").reset_index()
    pivot["ratio"] = pivot["rep"] / (pivot["rep"] + pivot["prospect"])
    ratio = pivot.groupby("owner_id")["ratio"].mean()
    return win.rename(columns={"mean": "win_rate", "size": "closed"}).join(ratio.rename("talk_ratio"))


def subscription_months(database: Database) -> pd.DataFrame:
    """Per subscription: its churn and its worst 3-period utilisation decline and lowest NPS."""
    subs = frame(database, "SELECT id, account_id, status FROM subscriptions")
    usage = frame(database, "SELECT subscription_id, period_start, active_users, seats FROM subscription_usage")
    usage = usage.sort_values(["subscription_id", "period_start"])
    usage["util"] = usage["active_users"] / usage["seats"]
    usage["decline"] = usage.groupby("subscription_id")["util"].shift(3) - usage["util"]
    worst = usage.groupby("subscription_id")["decline"].max().fillna(0)
    nps = frame(database, "SELECT account_id, MIN(score) AS min_nps FROM nps_responses GROUP BY account_id")
    out = subs.merge(nps, on="account_id", how="left").set_index("id")
    out["decline"] = worst.reindex(out.index).fillna(0)
    out["churned"] = out["status"] == "churned"
    return out
