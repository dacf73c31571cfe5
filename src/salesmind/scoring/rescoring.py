"""Storing scores of CRM records from the current model version: one record, a batch, the book.

Each stored :class:`ModelPrediction` carries the model name and version, the calibrated
probability, the 0-100 score, the grade and ``reasons`` as ``{"positive": [...], "negative":
[...]}`` sentences (plus ``expected_close_month`` for deals).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable, Iterator, Sequence

import pandas as pd
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from salesmind.core.db import Database, take_write_turn, transaction
from salesmind.data.models import Activity, Lead, LeadStatus, ModelPrediction, ModelVersion, Opportunity, Outcome
from salesmind.features import deal_features, lead_features
from salesmind.features.leads import lead_feature_record
from salesmind.scoring.crm import ID_COLUMNS, MODEL_NAMES, TIME_COLUMN, check_kind
from salesmind.scoring.reasons import grade
from salesmind.scoring.sentences import sentence
from salesmind.scoring.registry import current_version, load_version
from salesmind.scoring.scorer import TabularScorer

RESCORE_CHUNK = 2000
OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.NURTURING, LeadStatus.QUALIFIED)
BatchProgress = Callable[[int, int], None]

def open_ids(session: Session, kind: str, now: datetime,
             among: Sequence[int] | None = None) -> list[int]:
    """Ids of the open book (or of its part ``among``): leads not converted or disqualified, deals not closed."""
    if check_kind(kind) == "lead":
        stmt = select(Lead.id).where(Lead.status.in_(OPEN_LEAD_STATUSES), Lead.created_at <= now)
        if among is not None:
            stmt = stmt.where(Lead.id.in_(list(among)))
    else:
        stmt = select(Opportunity.id).where(Opportunity.outcome == Outcome.OPEN)
        if among is not None:
            stmt = stmt.where(Opportunity.id.in_(list(among)))
    return [int(i) for i in session.scalars(stmt.order_by("id"))]


def feature_rows(session: Session, kind: str, ids: Sequence[int], now: datetime) -> pd.DataFrame:
    """Features of ``ids`` as of ``now``, in the training frame's shape (id column, ``as_of``)."""
    build = lead_features if kind == "lead" else deal_features
    frame = build(session, now, list(ids)).rename_axis(ID_COLUMNS[kind]).reset_index()
    frame[TIME_COLUMN] = pd.Timestamp(now)
    return frame


def _close_month(session: Session, ids: Sequence[int], now: datetime,
                 typical_days: float | None) -> dict[int, str]:
    rows = session.execute(select(Opportunity.id, Opportunity.expected_close_date,
                                  Opportunity.created_at).where(Opportunity.id.in_(list(ids))))
    today = now.date()
    out = {}
    for deal_id, close, created in rows:
        if close is None:
            created_day = created.date() if isinstance(created, datetime) else today
            close = created_day + timedelta(days=typical_days or 0)
        out[int(deal_id)] = f"{max(close, today):%Y-%m}" if isinstance(close, date) else ""
    return out


def score_records(session: Session, kind: str, ids: Sequence[int], *, now: datetime,
                  models_dir: Path) -> list[ModelPrediction]:
    """Score ``ids`` with the current version, store and return the predictions ([] without one)."""
    version = current_version(session, MODEL_NAMES[check_kind(kind)])
    if version is None or not ids:
        return []
    return _score_with(session, version, kind, ids, now, models_dir)


def _score_with(session: Session, version: ModelVersion, kind: str, ids: Sequence[int],
                now: datetime, models_dir: Path) -> list[ModelPrediction]:
    out = [ModelPrediction(**row) for row in prediction_rows(session, version, kind, ids, now, models_dir)]
    take_write_turn(session)  # the flush below writes before the request ends: queue for SQLite
    session.add_all(out)
    session.flush()
    return out


def served_model(version: ModelVersion, models_dir: Path) -> TabularScorer:
    """The scorer of ``version`` (a relative path is under ``models_dir``), loaded once per
    process and kept while that version is current (:func:`~salesmind.scoring.registry.load_version`)."""
    path = Path(version.path)
    if path.is_absolute():
        return load_version(version)
    # A detached copy: resolving the path on the row itself would make every request write it.
    return load_version(ModelVersion(name=version.name, version=version.version,
                                     path=str(models_dir / path)))


def prediction_rows(session: Session, version: ModelVersion, kind: str, ids: Sequence[int],
                    now: datetime, models_dir: Path) -> list[dict]:
    """Column values of the :class:`ModelPrediction` of each of ``ids`` that has features (not stored).

    One lead (an API request, an event) takes the plain path: its features as one record
    (:func:`~salesmind.features.leads.lead_feature_record`) scored by
    :meth:`~salesmind.scoring.scorer.TabularScorer.score_record`, no data frames; the same
    numbers as the batch path (a test checks)."""
    model = served_model(version, models_dir)
    if kind == "lead" and len(ids) == 1:
        record = lead_feature_record(session, int(ids[0]), now)
        scored = [] if record is None else [(int(ids[0]), *model.score_record(record, top=3))]
    else:
        frame = feature_rows(session, kind, ids, now)
        if frame.empty:
            return []
        proba, explained = model.score_explained(frame, top=3)
        scored = list(zip(frame[ID_COLUMNS[kind]].tolist(), proba.tolist(), explained))
    months = _close_month(session, [i for i, _, _ in scored], now,
                          (version.notes or {}).get("typical_days_to_close")) \
        if kind == "opportunity" and scored else {}
    out = []
    for entity_id, p, reasons in scored:
        body: dict = {"positive": [sentence(r) for r in reasons if r.contribution > 0],
                      "negative": [sentence(r) for r in reasons if r.contribution < 0]}
        if kind == "opportunity":
            body["expected_close_month"] = months.get(int(entity_id))
        out.append({"model_name": version.name, "model_version": version.version, "entity_type": kind,
                    "entity_id": int(entity_id), "scored_at": now, "probability": p,
                    "score": round(100 * p, 1), "grade": grade(p), "reasons": body})
    return out


def rescore_all(database: Database, kind: str, *, now: datetime, models_dir: Path,
                progress: BatchProgress | None = None) -> int:
    """Score every open record of ``kind`` in chunks of RESCORE_CHUNK; return how many were scored."""
    with database.sessions() as session:
        version = current_version(session, MODEL_NAMES[check_kind(kind)])
        ids = open_ids(session, kind, now) if version is not None else []
    done = 0
    for start in range(0, len(ids), RESCORE_CHUNK):
        with transaction(database.sessions) as session:
            assert version is not None
            rows = prediction_rows(session, version, kind, ids[start:start + RESCORE_CHUNK], now, models_dir)
            if rows:  # one multi-row INSERT per chunk: no ORM objects to track for the batch
                session.execute(insert(ModelPrediction), rows)
            done += len(rows)
        if progress:
            progress(min(start + RESCORE_CHUNK, len(ids)), len(ids))
    return done


@contextmanager
def touched_records(session: Session) -> Iterator[dict[str, set[int]]]:
    """Collect the lead and deal ids of the activities ``session`` writes inside the block."""
    touched: dict[str, set[int]] = {"lead": set(), "opportunity": set()}
    written: list[Activity] = []

    def collect(flushing: Session, _context: object) -> None:
        written.extend(o for o in (*flushing.new, *flushing.dirty) if isinstance(o, Activity))

    event.listen(session, "after_flush", collect)
    try:
        yield touched
    finally:
        event.remove(session, "after_flush", collect)
        for activity in written:
            if activity.lead_id is not None:
                touched["lead"].add(int(activity.lead_id))
            if activity.opportunity_id is not None:
                touched["opportunity"].add(int(activity.opportunity_id))


def rescore_touched(session: Session, touched: dict[str, set[int]], *, now: datetime,
                    models_dir: Path) -> list[ModelPrediction]:
    """Rescore the touched leads and deals that are still open (nothing without a current model)."""
    out: list[ModelPrediction] = []
    for kind, ids in touched.items():
        if ids:
            still_open = open_ids(session, kind, now, sorted(ids))
            out += score_records(session, kind, still_open, now=now, models_dir=models_dir)
    return out
