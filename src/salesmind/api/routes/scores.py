"""Scores: the caller's work queue, a record's scores, rescoring, rep feedback and the model registry."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from salesmind.api.deps import CurrentUser, ManagerUser, NowDep, ScopeDep, SessionDep
from salesmind.api.schemas.common import RecordId
from salesmind.api.schemas.scores import (
    BatchRescore,
    FeedbackCreate,
    FeedbackPublic,
    FeedbackSummaryPublic,
    ModelVersionDetail,
    ModelVersionPublic,
    PredictionPublic,
    QueueItem,
    RecordScores,
    ScoredKind,
)
from salesmind.data.scope import Scope
from salesmind.scoring import views

router = APIRouter(tags=["scores"])


def _queue_item(entry: views.QueueEntry) -> QueueItem:
    lead, p = entry.lead, entry.prediction
    return QueueItem(lead_id=lead.id, name=lead.full_name, company=lead.company, status=lead.status.value,
                     owner_id=lead.owner_id, score=p.score if p else None, grade=p.grade if p else None,
                     probability=p.probability if p else None, scored_at=p.scored_at if p else None,
                     top_reasons=entry.top_reasons, last_activity_at=entry.last_activity_at)


@router.get("/queue", response_model=list[QueueItem])
def work_queue(session: SessionDep, scope: ScopeDep, limit: int = Query(50, ge=1, le=views.MAX_QUEUE),
               owner_id: RecordId | None = None) -> list[QueueItem]:
    """Open leads in the caller's book, best score first; managers may pick one rep with ``owner_id``."""
    return [_queue_item(e) for e in views.work_queue(session, scope, owner_id=owner_id, limit=limit)]


@router.get("/scores/{kind}/{record_id}", response_model=RecordScores)
def record_scores(kind: ScoredKind, record_id: RecordId, session: SessionDep, scope: ScopeDep,
                  limit: int = Query(200, ge=1, le=1000)) -> RecordScores:
    """The latest score of one record and its score history (404 outside the caller's scope)."""
    history = views.score_history(session, scope, kind, record_id, limit=limit)
    latest = PredictionPublic.model_validate(history[-1]) if history else None
    return RecordScores(kind=kind, id=record_id, latest=latest,
                        history=[PredictionPublic.model_validate(p) for p in history])


def _rescore(request: Request, session: Session, scope: Scope, kind: str, ids: list[int],
             now: datetime) -> list[PredictionPublic]:
    # Read first, write last: without autoflush the request's pending writes (the API key's
    # last use) wait for the one INSERT at the end, so on SQLite the database write lock is held
    # for that INSERT and the commit only, not while features are read and the model runs
    # (held for the whole request, concurrent requests queued on it until "database is locked").
    with session.no_autoflush:
        predictions = views.rescore(session, scope, kind, ids, now=now,
                                    models_dir=request.app.state.settings.models_dir)
    return [PredictionPublic.model_validate(p) for p in predictions]


@router.post("/scores/{kind}/{record_id}/rescore", response_model=PredictionPublic)
def rescore_record(kind: ScoredKind, record_id: RecordId, request: Request, session: SessionDep,
                   scope: ScopeDep, now: NowDep) -> PredictionPublic:
    """Score one record now with the current model (409 when no model is trained)."""
    return _rescore(request, session, scope, kind, [record_id], now)[0]


@router.post("/scores/batch", response_model=list[PredictionPublic])
def rescore_batch(body: BatchRescore, request: Request, session: SessionDep, scope: ScopeDep,
                  now: NowDep) -> list[PredictionPublic]:
    """Score up to 1,000 records of one kind now; any id outside the caller's scope makes it a 404."""
    return _rescore(request, session, scope, body.kind, body.ids, now)


@router.post("/predictions/{prediction_id}/feedback", response_model=FeedbackPublic, status_code=201)
def give_feedback(prediction_id: RecordId, body: FeedbackCreate, session: SessionDep, scope: ScopeDep,
                  user: CurrentUser) -> FeedbackPublic:
    """Agree with a score, disagree with a reason, or override it with a score and a reason."""
    feedback = views.give_feedback(session, scope, user, prediction_id, body.verdict,
                                   override_score=body.override_score, reason=body.reason)
    return FeedbackPublic.model_validate(feedback)


@router.get("/models", response_model=list[ModelVersionPublic])
def list_models(session: SessionDep, _user: ManagerUser, name: str | None = Query(None, max_length=64)
                ) -> list[ModelVersionPublic]:
    """Every registered model version with its held-out metrics (managers and admins)."""
    return [ModelVersionPublic.model_validate(m) for m in views.list_versions(session, name)]


@router.get("/models/{model_id}", response_model=ModelVersionDetail)
def get_model(model_id: RecordId, session: SessionDep, _user: ManagerUser) -> ModelVersionDetail:
    """One model version: metrics, features, notes and rep feedback (managers and admins)."""
    version = views.get_model(session, model_id)
    detail = ModelVersionDetail.model_validate(version)
    summary = views.feedback_summary(session, version)
    detail.feedback = FeedbackSummaryPublic(**{k: v for k, v in vars(summary).items() if k != "recent"})
    return detail
