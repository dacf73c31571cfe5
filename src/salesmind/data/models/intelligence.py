"""What the models say: stored features, predictions with reasons, rep feedback, import log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from salesmind.core.timeutil import utcnow
from salesmind.data.models.base import Base


class FeatureSnapshot(Base):
    """The features of one record as of one time (kept so a score can be explained later)."""

    __tablename__ = "feature_snapshots"
    __table_args__ = (Index("ix_feature_snapshots_entity", "entity_type", "entity_id", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int]
    as_of: Mapped[datetime]
    feature_set: Mapped[str] = mapped_column(String(64))
    values: Mapped[dict[str, Any]]


class ModelVersion(Base):
    """One trained version of a model: its training window, features, metrics and status.

    ``status`` is ``candidate`` until the promotion rule compares it with the current version
    on the same held-out data; then ``current`` (serving), ``rejected`` or ``retired``.
    """

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="candidate", index=True)
    kind: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(String(500))
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    rows: Mapped[int] = mapped_column(default=0)
    positives: Mapped[int] = mapped_column(default=0)
    features: Mapped[dict[str, Any] | None]
    metrics: Mapped[dict[str, Any] | None]
    notes: Mapped[dict[str, Any] | None]
    promoted_at: Mapped[datetime | None]


class ModelPrediction(Base):
    """A score given to a record by one model version, with its reasons."""

    __tablename__ = "model_predictions"
    __table_args__ = (Index("ix_model_predictions_entity", "entity_type", "entity_id", "scored_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_name: Mapped[str] = mapped_column(String(64), index=True)
    model_version: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int]
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)
    probability: Mapped[float | None]
    score: Mapped[float | None]
    grade: Mapped[str | None] = mapped_column(String(4))
    reasons: Mapped[dict[str, Any] | None]


class PredictionFeedback(Base):
    """A rep's verdict on a score: agree, or override it with a reason."""

    __tablename__ = "prediction_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    prediction_id: Mapped[int] = mapped_column(ForeignKey("model_predictions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    verdict: Mapped[str] = mapped_column(String(16))
    override_score: Mapped[float | None]
    reason: Mapped[str | None] = mapped_column(Text)


class ImportRun(Base):
    """One import: what file, which profile, how many rows went where."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    file_name: Mapped[str] = mapped_column(String(500))
    entity: Mapped[str] = mapped_column(String(64))
    profile: Mapped[str] = mapped_column(String(64))
    rows_read: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
