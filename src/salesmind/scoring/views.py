"""Reading and acting on stored scores: latest and history per record, work queues, registry, feedback.

Every function that touches a record takes the caller's :class:`Scope`, so the API, the pages and
the CLI show a rep only scores of records in their book.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from salesmind.core.errors import NotFound, SalesmindError, UserInputError
from salesmind.data.models import (
    Activity,
    Lead,
    LeadStatus,
    ModelPrediction,
    ModelVersion,
    Opportunity,
    Outcome,
    PredictionFeedback,
    User,
)
from salesmind.data.records import get_record, model_for
from salesmind.data.scope import Scope
from salesmind.data.users import visible_users
from salesmind.scoring.crm import MODEL_NAMES
from salesmind.scoring.registry import current_version, has_current_version, list_versions  # noqa: F401 (the model pages list versions through this module)

#: Record kinds that are scored, and the registry name of the model that scores each.
SCORED_KINDS = MODEL_NAMES
CLOSED_LEAD_STATUSES = (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED)
VERDICTS = ("agree", "disagree", "override")
MAX_BATCH = 1000
MAX_QUEUE = 500


class NoCurrentModel(SalesmindError):
    """Scoring was asked for, but no version of the model is current (none trained or promoted)."""

    exit_code = 6
    http_status = 409


def check_kind(kind: str) -> str:
    """``kind`` when it is scored, or a clear error."""
    if kind not in SCORED_KINDS:
        raise UserInputError(f"scores exist for {' and '.join(SCORED_KINDS)} records, not {kind!r}")
    return kind


# -- scores of one record ---------------------------------------------------------------------------


def _record_predictions(kind: str, record_id: int) -> Any:
    return select(ModelPrediction).where(ModelPrediction.entity_type == kind,
                                         ModelPrediction.entity_id == record_id)


def latest_prediction(session: Session, scope: Scope, kind: str, record_id: int) -> ModelPrediction | None:
    """The newest score of one visible record, or ``None`` when it was never scored."""
    get_record(session, scope, check_kind(kind), record_id)
    stmt = _record_predictions(kind, record_id).order_by(ModelPrediction.scored_at.desc(),
                                                         ModelPrediction.id.desc())
    return session.scalars(stmt.limit(1)).first()


def score_history(session: Session, scope: Scope, kind: str, record_id: int,
                  limit: int = 200) -> list[ModelPrediction]:
    """The last ``limit`` scores of one visible record, oldest first."""
    get_record(session, scope, check_kind(kind), record_id)
    stmt = _record_predictions(kind, record_id).order_by(ModelPrediction.scored_at.desc(),
                                                         ModelPrediction.id.desc())
    return list(reversed(session.scalars(stmt.limit(limit)).all()))


# -- the work queue ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueEntry:
    """One open lead in a rep's queue, with its latest score (``None`` when not scored yet)."""

    lead: Lead
    prediction: ModelPrediction | None
    last_activity_at: datetime | None

    @property
    def top_reasons(self) -> list[str]:
        """The two strongest reasons for the score, positive ones first."""
        reasons = (self.prediction.reasons or {}) if self.prediction else {}
        return (list(reasons.get("positive") or []) + list(reasons.get("negative") or []))[:2]


def _latest_ids(kind: str) -> Any:
    """A subquery of the id of the newest prediction of every record of ``kind``."""
    rank = func.row_number().over(partition_by=ModelPrediction.entity_id,
                                  order_by=(ModelPrediction.scored_at.desc(), ModelPrediction.id.desc()))
    ranked = (select(ModelPrediction.id.label("id"), ModelPrediction.entity_id.label("entity_id"),
                     rank.label("rank"))
              .where(ModelPrediction.entity_type == kind).subquery())
    return select(ranked.c.id, ranked.c.entity_id).where(ranked.c.rank == 1).subquery()


def work_queue(session: Session, scope: Scope, *, owner_id: int | None = None,
               limit: int = 50) -> list[QueueEntry]:
    """Open leads in ``scope`` (optionally of one owner), best latest score first, then most recent activity."""
    if owner_id is not None:
        scope.check(owner_id, f"user {owner_id}")
    latest = _latest_ids("lead")
    last_act = (select(Activity.lead_id.label("lead_id"), func.max(Activity.occurred_at).label("at"))
                .where(Activity.lead_id.is_not(None)).group_by(Activity.lead_id).subquery())
    stmt = (select(Lead, ModelPrediction, last_act.c.at)
            .outerjoin(latest, latest.c.entity_id == Lead.id)
            .outerjoin(ModelPrediction, ModelPrediction.id == latest.c.id)
            .outerjoin(last_act, last_act.c.lead_id == Lead.id)
            .where(Lead.status.not_in(CLOSED_LEAD_STATUSES)))
    stmt = scope.restrict(stmt, Lead.owner_id)
    if owner_id is not None:
        stmt = stmt.where(Lead.owner_id == owner_id)
    unscored_last = case((ModelPrediction.score.is_(None), 1), else_=0)
    no_activity_last = case((last_act.c.at.is_(None), 1), else_=0)
    stmt = stmt.order_by(unscored_last, ModelPrediction.score.desc(), no_activity_last, last_act.c.at.desc(),
                         Lead.created_at.desc(), Lead.id.desc())
    rows = session.execute(stmt.limit(max(1, min(limit, MAX_QUEUE)))).all()
    return [QueueEntry(lead, prediction, at) for lead, prediction, at in rows]


def queue_owners(session: Session, scope: Scope) -> list[User]:
    """The people whose queues the caller may open (a rep: only themselves)."""
    return visible_users(session, scope)


# -- rescoring -----------------------------------------------------------------------------------------


def check_in_scope(session: Session, scope: Scope, kind: str, ids: Sequence[int]) -> list[int]:
    """The distinct ``ids`` when every one is a visible record of ``kind``; else :class:`NotFound`."""
    wanted = list(dict.fromkeys(ids))
    if len(wanted) > MAX_BATCH:
        raise UserInputError(f"at most {MAX_BATCH} ids per batch, got {len(wanted)}")
    model = model_for(check_kind(kind))
    found = set(session.scalars(scope.restrict(select(model.id).where(model.id.in_(wanted)), model.owner_id)))
    missing = [i for i in wanted if i not in found]
    if missing:
        shown = ", ".join(str(i) for i in missing[:10])
        raise NotFound(f"{kind} {shown} not found")
    return wanted


def rescore(session: Session, scope: Scope, kind: str, ids: Sequence[int], *, now: datetime,
            models_dir: Path) -> list[ModelPrediction]:
    """Score visible records again with the current model; :class:`NoCurrentModel` when there is none."""
    wanted = check_in_scope(session, scope, kind, ids)
    name = SCORED_KINDS[kind]
    if not has_current_version(session, name):
        raise NoCurrentModel(f"no {name} model is trained yet: train and promote a {name} model, then rescore")
    from salesmind.scoring.rescoring import score_records  # looked up per call, so tests can stand in for it

    predictions = score_records(session, kind, wanted, now=now, models_dir=models_dir)
    if not predictions and wanted:
        raise NoCurrentModel(f"the current {name} model gave no scores: check that its folder exists "
                             f"under {models_dir}")
    return predictions


# -- the registry --------------------------------------------------------------------------------------


def get_model(session: Session, model_id: int) -> ModelVersion:
    """One model version by id, or :class:`NotFound`."""
    version = session.get(ModelVersion, model_id)
    if version is None:
        raise NotFound(f"model version {model_id} not found")
    return version


def model_report_path(version: ModelVersion, models_dir: Path) -> Path:
    """The saved ``report.html`` of a version; :class:`NotFound` when missing or outside ``models_dir``."""
    root = models_dir.resolve()
    folder = Path(version.path)
    report = ((folder if folder.is_absolute() else root / folder) / "report.html").resolve()
    if not report.is_relative_to(root) or not report.is_file():
        raise NotFound(f"model version {version.id} has no saved report")
    return report


def headline_metrics(version: ModelVersion) -> list[dict[str, Any]]:
    """Per evaluated model (salesmind first, then the baselines): name and its metrics dict."""
    models = (version.metrics or {}).get("models") or []
    return [{"name": m.get("name", "?"), **(m.get("metrics") or {})} for m in models]


MAIN_MODEL = "salesmind"


def main_and_best_baseline(version: ModelVersion) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The served model's held-out metrics, and those of the baseline with the best ROC-AUC (if any)."""
    rows = headline_metrics(version)
    main = next((r for r in rows if r["name"] == MAIN_MODEL), rows[0] if rows else {})
    baselines = [r for r in rows if r is not main and r.get("roc_auc") is not None]
    return main, max(baselines, key=lambda r: r["roc_auc"], default=None)


# -- rep feedback --------------------------------------------------------------------------------------


def prediction_in_scope(session: Session, scope: Scope, prediction_id: int) -> ModelPrediction:
    """A stored score of a record in ``scope``, or :class:`NotFound`."""
    prediction = session.get(ModelPrediction, prediction_id)
    if prediction is None or prediction.entity_type not in SCORED_KINDS:
        raise NotFound(f"prediction {prediction_id} not found")
    try:
        get_record(session, scope, prediction.entity_type, prediction.entity_id)
    except NotFound:
        raise NotFound(f"prediction {prediction_id} not found") from None
    return prediction


def give_feedback(session: Session, scope: Scope, user: User, prediction_id: int, verdict: str, *,
                  override_score: float | None = None, reason: str | None = None) -> PredictionFeedback:
    """Record a rep's verdict on a visible score: agree, disagree (with a reason) or override (score and reason)."""
    prediction = prediction_in_scope(session, scope, prediction_id)
    reason = (reason or "").strip() or None
    if verdict not in VERDICTS:
        raise UserInputError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    if verdict == "override":
        if override_score is None or not 0 <= override_score <= 100:
            raise UserInputError("an override needs override_score between 0 and 100")
    elif override_score is not None:
        raise UserInputError(f"override_score is only given with the verdict 'override', not {verdict!r}")
    if verdict != "agree" and not reason:
        raise UserInputError(f"say why: the verdict {verdict!r} needs a reason")
    feedback = PredictionFeedback(prediction_id=prediction.id, user_id=user.id, verdict=verdict,
                                  override_score=override_score, reason=reason)
    session.add(feedback)
    session.flush()
    return feedback


@dataclass(frozen=True)
class FeedbackSummary:
    """What reps said about one model version's scores."""

    total: int
    agree: int
    disagree: int
    override: int
    mean_override_difference: float | None  # mean of (override score - model score) over overrides
    recent: list[tuple[str, float | None, float | None, str | None]]  # verdict, model score, override, reason
    overrides_resolved: int = 0  # overrides of records whose outcome is now known
    model_right: int = 0  # of those, how often the model's score was on the right side of 50
    rep_right: int = 0  # ... and the rep's override score
    model_brier: float | None = None  # mean squared error of score/100 against the outcome
    rep_brier: float | None = None


def feedback_summary(session: Session, version: ModelVersion, recent: int = 10) -> FeedbackSummary:
    """Counts of agree/disagree/override and the mean override difference for one model version."""
    of_version = (select()
                  .select_from(PredictionFeedback)
                  .join(ModelPrediction, ModelPrediction.id == PredictionFeedback.prediction_id)
                  .where(ModelPrediction.model_name == version.name,
                         ModelPrediction.model_version == version.version))
    totals = session.execute(of_version.add_columns(
        PredictionFeedback.verdict, func.count(),
        func.avg(PredictionFeedback.override_score - ModelPrediction.score)).group_by(PredictionFeedback.verdict))
    counts = {verdict: (int(n), mean) for verdict, n, mean in totals}
    latest = session.execute(of_version.add_columns(
        PredictionFeedback.verdict, ModelPrediction.score, PredictionFeedback.override_score,
        PredictionFeedback.reason).order_by(PredictionFeedback.created_at.desc(), PredictionFeedback.id.desc())
        .limit(recent))
    mean = counts.get("override", (0, None))[1]
    overrides = session.execute(of_version.add_columns(
        ModelPrediction.entity_type, ModelPrediction.entity_id, ModelPrediction.score,
        PredictionFeedback.override_score).where(PredictionFeedback.verdict == "override")).all()
    resolved = _resolved_overrides(session, overrides)
    return FeedbackSummary(
        overrides_resolved=len(resolved),
        model_right=sum((m >= 50) == bool(o) for m, _, o in resolved),
        rep_right=sum((r >= 50) == bool(o) for _, r, o in resolved),
        model_brier=float(np.mean([(m / 100 - o) ** 2 for m, _, o in resolved])) if resolved else None,
        rep_brier=float(np.mean([(r / 100 - o) ** 2 for _, r, o in resolved])) if resolved else None,
total=sum(n for n, _ in counts.values()),
                           agree=counts.get("agree", (0, None))[0], disagree=counts.get("disagree", (0, None))[0],
                           override=counts.get("override", (0, None))[0],
                           mean_override_difference=None if mean is None else float(mean),
                           recent=[tuple(r) for r in latest])  # type: ignore[misc]


def _resolved_overrides(session: Session, overrides: list) -> list[tuple[float, float, int]]:  # type: ignore[type-arg]
    """(model score, override score, outcome 0/1) for overrides whose record's outcome is known.

    A lead's outcome is known once it is converted (1) or disqualified (0); a deal's once it is
    won (1) or lost (0).
    """
    leads = [i for kind, i, _, _ in overrides if kind == "lead"]
    deals = [i for kind, i, _, _ in overrides if kind == "opportunity"]
    outcome: dict[tuple[str, int], int] = {}
    if leads:
        for lead_id, status in session.execute(select(Lead.id, Lead.status).where(Lead.id.in_(leads))):
            if status in (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED):
                outcome[("lead", lead_id)] = int(status == LeadStatus.CONVERTED)
    if deals:
        for deal_id, result in session.execute(select(Opportunity.id, Opportunity.outcome)
                                               .where(Opportunity.id.in_(deals))):
            if result in (Outcome.WON, Outcome.LOST):
                outcome[("opportunity", deal_id)] = int(result == Outcome.WON)
    return [(float(score), float(override), outcome[(kind, i)]) for kind, i, score, override in overrides
            if (kind, i) in outcome and score is not None and override is not None]
