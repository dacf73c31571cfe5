"""Lead features as of a cut-off: firmographics, behaviour windows, velocity, decay, negatives."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.data.models import Lead
from salesmind.features.frames import cut_at, load_events, rows_frame

#: Behaviour windows in days.
LEAD_WINDOWS = (1, 7, 30, 90)
_TYPES = ("web_visit", "email_opened", "email_clicked", "email_replied", "content_download",
          "webinar", "form_submit", "meeting", "call")
_LEAD_COLUMNS = ["lead_id", "created_at", "converted_at", "first_response_at", "source", "industry",
                 "employees", "country", "region", "seniority", "title"]


def _lead_rows(session: Session, lead_ids: Iterable[int] | None) -> pd.DataFrame:
    stmt = select(Lead.id, Lead.created_at, Lead.converted_at, Lead.first_response_at, Lead.source,
                  Lead.industry, Lead.employees, Lead.country, Lead.region, Lead.seniority, Lead.title)
    if lead_ids is not None:
        stmt = stmt.where(Lead.id.in_(list(lead_ids)))
    frame = rows_frame(session, stmt, _LEAD_COLUMNS)
    frame["seniority"] = frame["seniority"].map(lambda s: getattr(s, "value", s))
    for col in ("created_at", "converted_at", "first_response_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame.set_index("lead_id")


def lead_features(session: Session, as_of: datetime | pd.Series,
                  lead_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """One row per lead (index ``lead_id``) of features computed from what was known at ``as_of``.

    ``as_of`` is one time for every lead, or a Series of cut-offs indexed by lead id. Leads
    created after their cut-off are left out.
    """
    leads = _lead_rows(session, lead_ids if not isinstance(as_of, pd.Series) else as_of.index)
    cutoffs = as_of if isinstance(as_of, pd.Series) else pd.Series(pd.Timestamp(as_of), index=leads.index)
    cutoffs = pd.to_datetime(cutoffs, utc=True).reindex(leads.index)
    keep = leads["created_at"] <= cutoffs
    leads, cutoffs = leads[keep], cutoffs[keep]
    events = cut_at(load_events(session, "lead_id", leads.index), cutoffs)
    out = _firmographics(leads, cutoffs)
    out = out.join(_behaviour(events, leads.index))
    return out


def _firmographics(leads: pd.DataFrame, cutoffs: pd.Series) -> pd.DataFrame:
    out = pd.DataFrame(index=leads.index)
    for col in ("source", "industry", "country", "region", "seniority"):
        out[col] = leads[col].astype("string")
    out["employees"] = pd.to_numeric(leads["employees"], errors="coerce")
    out["has_title"] = leads["title"].notna() & (leads["title"].astype("string").str.len() > 0)
    out["lead_age_days"] = (cutoffs - leads["created_at"]).dt.total_seconds() / 86400.0
    responded = leads["first_response_at"].where(leads["first_response_at"] < cutoffs)
    out["first_response_minutes"] = (responded - leads["created_at"]).dt.total_seconds() / 60.0
    out["no_response_yet"] = responded.isna()
    return out


def _behaviour(events: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    out = pd.DataFrame(index=index)
    for days in LEAD_WINDOWS:
        recent = events[events["age_days"] <= days]
        counts = recent.groupby(["entity_id", "type"]).size().unstack(fill_value=0)
        for kind in _TYPES:
            series = counts[kind] if kind in counts.columns else pd.Series(dtype=float)
            out[f"{kind}_{days}d"] = series.reindex(index).fillna(0).astype(int)
        out[f"events_{days}d"] = recent.groupby("entity_id").size().reindex(index).fillna(0).astype(int)
    visits = events[events["type"] == "web_visit"]
    url = visits["url"].fillna("").str.lower()
    for page in ("pricing", "demo"):
        hits = visits[url.str.contains(f"/{page}", regex=False)]
        for days in (7, 30):
            out[f"{page}_page_visits_{days}d"] = (
                hits[hits["age_days"] <= days].groupby("entity_id").size().reindex(index).fillna(0).astype(int)
            )
    out["distinct_pages_30d"] = (
        visits[visits["age_days"] <= 30].groupby("entity_id")["url"].nunique().reindex(index).fillna(0).astype(int)
    )
    # Engagement velocity: events per day in the last 14 days against the lead's own rate in the
    # 15-90 days before, smoothed so that a new lead with no history has a ratio near its rate.
    recent_rate = events[events["age_days"] <= 14].groupby("entity_id").size().reindex(index).fillna(0) / 14
    earlier = events[(events["age_days"] > 14) & (events["age_days"] <= 90)]
    earlier_rate = earlier.groupby("entity_id").size().reindex(index).fillna(0) / 76
    out["engagement_velocity"] = (recent_rate + 0.05) / (earlier_rate + 0.05)
    last = events.groupby("entity_id")["age_days"].min().reindex(index)
    out["days_since_last_activity"] = last
    out["engagement_decay"] = (np.exp(-events["age_days"] / 14.0)).groupby(events["entity_id"]).sum().reindex(index).fillna(0)
    sent = _count(events, index, "email_sent")
    opened = _count(events, index, "email_opened")
    out["emails_sent"] = sent
    out["email_open_rate"] = (opened / sent).where(sent > 0)
    out["email_click_rate"] = (_count(events, index, "email_clicked") / sent).where(sent > 0)
    out["email_reply_rate"] = (_count(events, index, "email_replied") / sent).where(sent > 0)
    sent30 = _count(events[events["age_days"] <= 30], index, "email_sent")
    opened30 = _count(events[events["age_days"] <= 30], index, "email_opened")
    out["sent_unopened_30d"] = (sent30 - opened30).clip(lower=0)
    out["bounced"] = _count(events, index, "email_bounced")
    out["unsubscribed"] = _count(events, index, "email_unsubscribed") > 0
    return out


def _count(events: pd.DataFrame, index: pd.Index, kind: str) -> pd.Series:
    return events[events["type"] == kind].groupby("entity_id").size().reindex(index).fillna(0).astype(int)


#: Ages (days after creation) at which each lead is snapshot for training: the open book holds
#: leads of every age, so the model learns at the ages it is asked about.
LEAD_SNAPSHOT_AGES = (1, 7, 30, 90, 180)


def lead_training_frame(session: Session, *, ages: Iterable[float] = LEAD_SNAPSHOT_AGES,
                        horizon: timedelta = timedelta(days=90), now: datetime) -> pd.DataFrame:
    """Snapshots of each lead at ``ages`` days old, labelled ``converted`` within ``horizon`` after each.

    One row per (lead, age) with columns ``lead_id``, the features as of the snapshot, ``as_of``
    and ``converted``. A snapshot is left out when the lead had already converted by then (it is
    no longer scored) or when its horizon has not ended by ``now`` (its label is not final), so
    every label is final and every feature precedes it. Rows are ordered by ``as_of``.
    """
    leads = _lead_rows(session, None)
    now_ts = pd.Timestamp(now)
    frames = []
    for age in ages:
        observed = leads["created_at"] + timedelta(days=float(age))
        eligible = (observed + horizon <= now_ts) & ~(leads["converted_at"] <= observed)
        if not eligible.any():
            continue
        cutoffs = observed[eligible]
        snap = lead_features(session, cutoffs)
        converted = leads.loc[snap.index, "converted_at"]
        snap["as_of"] = cutoffs[snap.index]
        snap["converted"] = (converted.notna() & (converted <= snap["as_of"] + horizon)).astype(int)
        frames.append(snap)
    if not frames:
        return pd.DataFrame(columns=["lead_id", "as_of", "converted"])
    frame = pd.concat(frames).rename_axis("lead_id").reset_index()
    return frame.sort_values(["as_of", "lead_id"], kind="stable").reset_index(drop=True)
