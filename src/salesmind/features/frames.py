"""Loading CRM rows into data frames with UTC times, and the point-in-time cut."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.data.models import Activity

CHUNK = 5000


def rows_frame(session: Session, stmt: Any, columns: Sequence[str]) -> pd.DataFrame:
    """Run a select and return its rows as a frame (column types processed by SQLAlchemy)."""
    rows = session.execute(stmt).all()
    return pd.DataFrame.from_records(rows, columns=list(columns))


def load_events(session: Session, link: str, ids: Iterable[int]) -> pd.DataFrame:
    """Activities linked through ``link`` (e.g. ``lead_id``) to ``ids``: id, type, time, url."""
    ids = list(ids)
    column = getattr(Activity, link)
    frames = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        stmt = select(column, Activity.type, Activity.occurred_at, Activity.url).where(column.in_(chunk))
        frames.append(rows_frame(session, stmt, ["entity_id", "type", "occurred_at", "url"]))
    if not frames:
        return pd.DataFrame(columns=["entity_id", "type", "occurred_at", "url"])
    events = pd.concat(frames, ignore_index=True)
    events["type"] = events["type"].map(lambda t: getattr(t, "value", t))
    events["occurred_at"] = pd.to_datetime(events["occurred_at"], utc=True)
    return events


def cut_at(events: pd.DataFrame, cutoffs: pd.Series) -> pd.DataFrame:
    """Keep only events strictly before each entity's cut-off, with their age in days."""
    merged = events.merge(cutoffs.rename("as_of"), left_on="entity_id", right_index=True, how="inner")
    merged = merged[merged["occurred_at"] < merged["as_of"]].copy()
    merged["age_days"] = (merged["as_of"] - merged["occurred_at"]).dt.total_seconds() / 86400.0
    return merged
