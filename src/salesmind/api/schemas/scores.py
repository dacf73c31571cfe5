"""Scores: predictions with reasons, work queue entries, rescoring requests, rep feedback, model versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from salesmind.api.schemas.common import Input, Public, RecordId, text

ScoredKind = Literal["lead", "opportunity"]
Verdict = Literal["agree", "disagree", "override"]


class PredictionPublic(Public):
    """One stored score: the model version, probability, 0-100 score, grade and reasons."""

    id: int
    model_name: str
    model_version: str
    entity_type: str
    entity_id: int
    scored_at: datetime
    probability: float | None
    score: float | None
    grade: str | None
    reasons: dict[str, Any] | None = Field(
        description='{"positive": [...], "negative": [...], "expected_close_month": "YYYY-MM" (deals)}')


class RecordScores(BaseModel):
    """The latest score of a record and its history, oldest first."""

    kind: ScoredKind
    id: int
    latest: PredictionPublic | None
    history: list[PredictionPublic]


class QueueItem(BaseModel):
    """One open lead in a work queue with its latest score."""

    lead_id: int
    name: str
    company: str | None
    status: str
    owner_id: int | None
    score: float | None
    grade: str | None
    probability: float | None
    scored_at: datetime | None
    top_reasons: list[str]
    last_activity_at: datetime | None


class BatchRescore(Input):
    """Records of one kind to score again (at most 1,000)."""

    kind: ScoredKind
    ids: list[RecordId] = Field(min_length=1, max_length=1000)


class FeedbackCreate(Input):
    """A rep's verdict on a score; an override needs a score and a reason, a disagreement a reason."""

    verdict: Verdict
    override_score: float | None = Field(default=None, ge=0, le=100)
    reason: text(2000) | None = None


class FeedbackPublic(Public):
    """Stored feedback."""

    id: int
    prediction_id: int
    user_id: int | None
    created_at: datetime
    verdict: str
    override_score: float | None
    reason: str | None


class ModelVersionPublic(Public):
    """One registered model version with its held-out evaluation."""

    id: int
    name: str
    version: str
    created_at: datetime
    status: str
    kind: str
    window_start: datetime | None
    window_end: datetime | None
    rows: int
    positives: int
    promoted_at: datetime | None
    metrics: dict[str, Any] | None


class FeedbackSummaryPublic(BaseModel):
    """What reps said about a version's scores."""

    total: int
    agree: int
    disagree: int
    override: int
    mean_override_difference: float | None
    overrides_resolved: int = 0
    model_right: int = 0
    rep_right: int = 0
    model_brier: float | None = None
    rep_brier: float | None = None


class ModelVersionDetail(ModelVersionPublic):
    """A model version with its features, notes and the rep feedback on its scores."""

    features: dict[str, Any] | None
    notes: dict[str, Any] | None
    feedback: FeedbackSummaryPublic | None = None
