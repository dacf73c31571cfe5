"""Lead features as of a cut-off: firmographics, behaviour windows, velocity, decay, negatives."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from salesmind.data.models import Activity, Lead
from salesmind.features.frames import cut_at, load_events, rows_frame

#: Behaviour windows in days.
LEAD_WINDOWS = (1, 7, 30, 90)
_TYPES = ("web_visit", "email_opened", "email_clicked", "email_replied", "content_download",
          "webinar", "form_submit", "meeting", "call")
_LEAD_COLUMNS = ["lead_id", "created_at", "converted_at", "first_response_at", "source", "industry",
                 "employees", "country", "region", "seniority", "title"]
_TEXT_COLUMNS = ("source", "industry", "country", "region", "seniority")
_EVENT_KINDS = (*_TYPES, "email_sent", "email_bounced", "email_unsubscribed")


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
    columns = _firmographics(leads, cutoffs) | _behaviour(events, leads.index)
    return pd.DataFrame(columns, index=leads.index)


def _firmographics(leads: pd.DataFrame, cutoffs: pd.Series) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {col: leads[col].astype("string") for col in _TEXT_COLUMNS}
    out["employees"] = pd.to_numeric(leads["employees"], errors="coerce")
    out["has_title"] = leads["title"].notna() & (leads["title"].astype("string").str.len() > 0)
    out["lead_age_days"] = (cutoffs - leads["created_at"]).dt.total_seconds() / 86400.0
    responded = leads["first_response_at"].where(leads["first_response_at"] < cutoffs)
    out["first_response_minutes"] = (responded - leads["created_at"]).dt.total_seconds() / 60.0
    out["no_response_yet"] = responded.isna()
    return out


def _behaviour(events: pd.DataFrame, index: pd.Index) -> dict[str, np.ndarray]:
    """Behaviour features of the leads in ``index`` from their cut events (a frame of ``cut_at``)."""
    return _behaviour_arrays(index.get_indexer(events["entity_id"]), events["age_days"].to_numpy(float),
                             events["type"].to_numpy(object), events["url"].to_numpy(object), len(index))


def _behaviour_arrays(row: np.ndarray, age: np.ndarray, kind: np.ndarray, url: np.ndarray,
                      n: int) -> dict[str, np.ndarray]:
    """Behaviour features of ``n`` leads from one entry per event: the lead's row, age in days, type, url."""
    # Plain numpy counts per lead (bincount over the lead's row): the same numbers as pandas
    # groupbys, without their fixed cost per call, which dominated scoring one lead.
    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(row[mask], minlength=n)

    is_kind = {k: kind == k for k in _EVENT_KINDS}
    out: dict[str, np.ndarray] = {}
    for days in LEAD_WINDOWS:
        recent = age <= days
        for k in _TYPES:
            out[f"{k}_{days}d"] = count(recent & is_kind[k])
        out[f"events_{days}d"] = count(recent)
    visit = is_kind["web_visit"]
    lower = [u.lower() if isinstance(u, str) else "" for u in url]
    for page in ("pricing", "demo"):
        hit = visit & np.array([f"/{page}" in u for u in lower], dtype=bool)
        for days in (7, 30):
            out[f"{page}_page_visits_{days}d"] = count(hit & (age <= days))
    out["distinct_pages_30d"] = _distinct_per_row(row, url, visit & (age <= 30), n)
    # Engagement velocity: events per day in the last 14 days against the lead's own rate in the
    # 15-90 days before, smoothed so that a new lead with no history has a ratio near its rate.
    recent_rate = count(age <= 14) / 14
    earlier_rate = count((age > 14) & (age <= 90)) / 76
    out["engagement_velocity"] = (recent_rate + 0.05) / (earlier_rate + 0.05)
    last = np.full(n, np.inf)
    np.minimum.at(last, row, age)
    out["days_since_last_activity"] = np.where(np.isinf(last), np.nan, last)
    out["engagement_decay"] = np.bincount(row, weights=np.exp(-age / 14.0), minlength=n).astype(float)
    sent, opened = count(is_kind["email_sent"]), count(is_kind["email_opened"])
    has_sent = sent > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        out["emails_sent"] = sent
        out["email_open_rate"] = np.where(has_sent, opened / sent, np.nan)
        out["email_click_rate"] = np.where(has_sent, count(is_kind["email_clicked"]) / sent, np.nan)
        out["email_reply_rate"] = np.where(has_sent, count(is_kind["email_replied"]) / sent, np.nan)
    month = age <= 30
    unopened = count(month & is_kind["email_sent"]) - count(month & is_kind["email_opened"])
    out["sent_unopened_30d"] = np.clip(unopened, 0, None)
    out["bounced"] = count(is_kind["email_bounced"])
    out["unsubscribed"] = count(is_kind["email_unsubscribed"]) > 0
    return out


def _distinct_per_row(row: np.ndarray, values: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Distinct non-missing ``values`` per row among the masked events (``nunique``)."""
    if not mask.any():
        return np.zeros(n, dtype=np.int64)
    codes, _ = pd.factorize(values[mask])
    keep = codes >= 0
    pairs = np.unique(np.column_stack([row[mask][keep], codes[keep]]), axis=0)
    return np.bincount(pairs[:, 0], minlength=n) if len(pairs) else np.zeros(n, dtype=np.int64)


def lead_feature_record(session: Session, lead_id: int, as_of: datetime) -> dict[str, object] | None:
    """The features of one lead as of ``as_of``, as plain Python values; None for an unknown or later lead.

    The same keys, order and values as the lead's row of :func:`lead_features` (text is ``str`` or
    None, numbers ``float`` with NaN for missing, counts ``int``, flags ``bool``), from two indexed
    queries and no data frame, for requests that score one record.
    """
    as_of = as_of.replace(tzinfo=timezone.utc) if as_of.tzinfo is None else as_of.astimezone(timezone.utc)
    conn = session.connection()
    lead = conn.execute(_LEAD_ROW, {"lead_id": lead_id}).first()
    if lead is None or lead.created_at is None or lead.created_at > as_of:
        return None
    events = conn.execute(_LEAD_EVENTS, {"lead_id": lead_id, "as_of": as_of}).all()
    age = np.array([(as_of - occurred).total_seconds() / 86400.0 for _, occurred, _ in events], dtype=float)
    kind = np.array([getattr(k, "value", k) for k, _, _ in events], dtype=object)
    url = np.array([u for _, _, u in events], dtype=object)
    behaviour = _behaviour_arrays(np.zeros(len(events), dtype=np.intp), age, kind, url, 1)
    return _firmographic_record(lead, as_of) | {name: values[0].item() for name, values in behaviour.items()}


_LEAD_ROW = select(Lead.created_at, Lead.first_response_at, Lead.title, Lead.employees,
                   *(getattr(Lead, col) for col in _TEXT_COLUMNS)).where(Lead.id == bindparam("lead_id"))
_LEAD_EVENTS = select(Activity.type, Activity.occurred_at, Activity.url) \
    .where(Activity.lead_id == bindparam("lead_id"), Activity.occurred_at < bindparam("as_of"))


def _firmographic_record(lead: Row, as_of: datetime) -> dict[str, object]:
    """:func:`_firmographics` of one lead row as plain Python values."""
    out: dict[str, object] = {col: _text(getattr(lead, col)) for col in _TEXT_COLUMNS}
    out["employees"] = float(lead.employees) if lead.employees is not None else math.nan
    out["has_title"] = lead.title is not None and len(lead.title) > 0
    out["lead_age_days"] = (as_of - lead.created_at).total_seconds() / 86400.0
    responded = lead.first_response_at is not None and lead.first_response_at < as_of
    out["first_response_minutes"] = ((lead.first_response_at - lead.created_at).total_seconds() / 60.0
                                     if responded else math.nan)
    out["no_response_yet"] = not responded
    return out


def _text(value: object) -> str | None:
    value = getattr(value, "value", value)
    return None if value is None else str(value)


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
