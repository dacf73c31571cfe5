"""The model registry: which version of a CRM model serves, and the promotion rule.

A new version replaces the current one only if it is not worse on the same held-out rows:
its log loss may exceed the current version's by at most ``LOSS_TOLERANCE``, and when the two
losses are within that tolerance its ROC-AUC may not be lower by more than ``AUC_TOLERANCE``.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.core.memory import refreeze_if_frozen
from salesmind.data.models import ModelVersion
from salesmind.scoring.metrics import Metrics
from salesmind.scoring.persist import load_model
from salesmind.scoring.scorer import TabularScorer

LOSS_TOLERANCE = 0.002
AUC_TOLERANCE = 0.01
_CACHE_SIZE = 4
_loaded: OrderedDict[tuple[str, str, str], TabularScorer] = OrderedDict()


def current_version(session: Session, name: str) -> ModelVersion | None:
    """The version of ``name`` now serving, or None before the first promotion."""
    return session.scalars(select(ModelVersion).where(ModelVersion.name == name,
                                                      ModelVersion.status == "current")
                           .order_by(ModelVersion.id.desc())).first()


def has_current_version(session: Session, name: str) -> bool:
    """Whether ``name`` has a version serving (one indexed lookup; no row is loaded)."""
    return session.scalar(select(ModelVersion.id).where(ModelVersion.name == name,
                                                        ModelVersion.status == "current").limit(1)) is not None


def list_versions(session: Session, name: str | None = None) -> list[ModelVersion]:
    """Every registered version (of ``name``, or of all models), newest first."""
    stmt = select(ModelVersion).order_by(ModelVersion.id.desc())
    if name is not None:
        stmt = stmt.where(ModelVersion.name == name)
    return list(session.scalars(stmt))


def load_version(version: ModelVersion) -> TabularScorer:
    """The scorer saved for ``version``; the last few loaded are kept (loading is slow), and
    in a server, frozen for the garbage collector (:func:`~salesmind.core.memory.refreeze_if_frozen`):
    a model's tens of thousands of objects would otherwise be walked by every full collection."""
    key = (version.name, version.version, version.path)
    if key in _loaded:
        _loaded.move_to_end(key)
        return _loaded[key]
    model, _ = load_model(Path(version.path))
    _loaded[key] = model
    while len(_loaded) > _CACHE_SIZE:
        _loaded.popitem(last=False)
    refreeze_if_frozen()
    return model


@dataclass(frozen=True)
class Decision:
    """Whether a candidate replaces the current version, and why."""

    promote: bool
    reason: str
    candidate_log_loss: float | None = None
    current_log_loss: float | None = None
    candidate_auc: float | None = None
    current_auc: float | None = None
    compared_rows: int = 0

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return asdict(self)


def decide(candidate: Metrics, current: Metrics | None, compared_rows: int = 0) -> Decision:
    """The promotion rule (module docstring) for metrics measured on the same held-out rows."""
    if current is None:
        return Decision(True, "no current version", candidate.log_loss, None, candidate.roc_auc,
                        None, compared_rows)
    numbers = (candidate.log_loss, current.log_loss, candidate.roc_auc, current.roc_auc,
               compared_rows)
    gap = candidate.log_loss - current.log_loss
    if gap > LOSS_TOLERANCE:
        return Decision(False, f"log loss {candidate.log_loss:.4f} is worse than the current "
                               f"{current.log_loss:.4f} on the same {compared_rows:,} rows", *numbers)
    if abs(gap) <= LOSS_TOLERANCE and candidate.roc_auc < current.roc_auc - AUC_TOLERANCE:
        return Decision(False, f"log loss ties but ROC-AUC {candidate.roc_auc:.4f} is below the "
                               f"current {current.roc_auc:.4f}", *numbers)
    return Decision(True, f"log loss {candidate.log_loss:.4f} is not worse than the current "
                          f"{current.log_loss:.4f} on the same {compared_rows:,} rows", *numbers)


def register(session: Session, version: ModelVersion, decision: Decision, now: datetime) -> None:
    """Apply ``decision`` to a new candidate: it becomes current (retiring the old) or rejected."""
    if decision.promote:
        old = current_version(session, version.name)
        if old is not None:
            old.status = "retired"
        version.status, version.promoted_at = "current", now
    else:
        version.status = "rejected"
    version.notes = {**(version.notes or {}), "promotion": decision.to_dict()}
    session.add(version)
    session.flush()
