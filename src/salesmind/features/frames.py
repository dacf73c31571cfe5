"""Loading CRM rows into data frames with UTC times, and the point-in-time cut."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.data.models import Activity

CHUNK = 5000


def rows_frame(session: Session, stmt: Any, columns: Sequence[str]) -> pd.DataFrame:
    """Run a select and return its rows as a frame (column types processed by SQLAlchemy)."""
    rows = session.execute(stmt).all()
    return pd.DataFrame.from_records(rows, columns=list(columns))


def rows_for_ids(session: Session, make_stmt: Callable[[list[int]], Any], ids: Iterable[int],
                 columns: Sequence[str]) -> pd.DataFrame:
    """Run ``make_stmt(chunk)`` for each chunk of ``ids``; one frame (empty, with columns, for no ids)."""
    ids = list(ids)
    frames = [rows_frame(session, make_stmt(ids[start:start + CHUNK]), columns)
              for start in range(0, len(ids), CHUNK)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(columns))


def load_events(session: Session, link: str, ids: Iterable[int]) -> pd.DataFrame:
    """Activities linked through ``link`` (e.g. ``lead_id``) to ``ids``: id, type, time, url, contact."""
    column = getattr(Activity, link)
    events = rows_for_ids(
        session,
        lambda chunk: select(column, Activity.type, Activity.occurred_at, Activity.url, Activity.contact_id)
        .where(column.in_(chunk)),
        ids, ["entity_id", "type", "occurred_at", "url", "contact_id"])
    events["type"] = events["type"].map(lambda t: getattr(t, "value", t))
    events["occurred_at"] = pd.to_datetime(events["occurred_at"], utc=True)
    return events


def cut_at(events: pd.DataFrame, cutoffs: pd.Series) -> pd.DataFrame:
    """Keep only events strictly before each entity's cut-off, with their age in days.

    ``cutoffs`` is indexed by entity id (unique); events of other entities are dropped. Rows
    keep their order."""
    row = cutoffs.index.get_indexer(events["entity_id"])
    known = row >= 0
    as_of = pd.Series(cutoffs.array.take(row[known]), index=events.index[known])
    before = events["occurred_at"][known] < as_of
    merged = events[known][before.to_numpy()].copy()
    merged["as_of"] = as_of[before]
    merged["age_days"] = (merged["as_of"] - merged["occurred_at"]).dt.total_seconds() / 86400.0
    return merged
