"""Sequences (managers and admins build them, everyone reads), enrolment, reports, a rep's tasks, experiments.

Reports count only the enrolments the caller may see; tasks are the caller's own (a manager may ask
for a rep of their team); running the tick is an admin's job (normally ``salesmind sequences tick --watch``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from salesmind.api.deps import AdminUser, ManagerUser, NowDep, ScopeDep, SessionDep
from salesmind.api.schemas.common import MAX_ID
from salesmind.api.schemas.sequences import (
    EnrolIn,
    EnrolmentPublic,
    ExperimentCreate,
    ExperimentPublic,
    ExperimentReportPublic,
    SequenceCreate,
    SequencePublic,
    SequenceReportPublic,
    SequenceUpdate,
    StepPublic,
    TaskDone,
    TaskPublic,
    TickPublic,
)
from salesmind.engagement.cadences import (
    create_experiment,
    replace_steps,
    stop_experiment,
    tick,
    update_sequence,
)
from salesmind.engagement.cadences.building import delete_sequence
from salesmind.engagement.cadences.reports import (
    experiment_report,
    list_experiments,
    sequence_report,
    sequences_overview,
)
from salesmind.engagement.cadences.service import (
    create_from_definition,
    enrol_visible,
    get_sequence,
)
from salesmind.engagement.cadences.tasks import complete_task, todays_tasks

router = APIRouter(tags=["sequences"])
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


def _public(session: SessionDep, sequence_id: int) -> SequencePublic:
    sequence, steps = get_sequence(session, sequence_id)
    return SequencePublic(id=sequence.id, name=sequence.name, description=sequence.description,
                          is_active=sequence.is_active, settings=sequence.settings,
                          steps=[StepPublic.model_validate(s) for s in steps])


@router.get("/sequences", response_model=list[SequenceReportPublic])
def list_sequences(session: SessionDep, scope: ScopeDep) -> list[SequenceReportPublic]:
    """Every sequence with its performance over the caller's enrolments."""
    return [SequenceReportPublic.model_validate(r.to_dict()) for r in sequences_overview(session, scope)]


@router.post("/sequences", response_model=SequencePublic, status_code=status.HTTP_201_CREATED)
def create(body: SequenceCreate, session: SessionDep, user: ManagerUser, request: Request) -> SequencePublic:
    """Build a sequence (managers and admins)."""
    sequence = create_from_definition(session, body.model_dump(exclude_none=True), created_by_id=user.id,
                                      app_settings=request.app.state.database.settings)
    return _public(session, sequence.id)


@router.get("/sequences/{sequence_id}", response_model=SequencePublic)
def show(sequence_id: IdPath, session: SessionDep, scope: ScopeDep) -> SequencePublic:
    """A sequence and its steps."""
    return _public(session, sequence_id)


@router.patch("/sequences/{sequence_id}", response_model=SequencePublic)
def update(sequence_id: IdPath, body: SequenceUpdate, session: SessionDep, user: ManagerUser,
           request: Request) -> SequencePublic:
    """Rename, re-describe, change settings, (de)activate, or replace the steps (before any touch)."""
    update_sequence(session, sequence_id, name=body.name, description=body.description, settings=body.settings,
                    is_active=body.is_active)
    if body.steps is not None:
        replace_steps(session, sequence_id, [s.model_dump() for s in body.steps], request.app.state.database.settings)
    return _public(session, sequence_id)


@router.delete("/sequences/{sequence_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(sequence_id: IdPath, session: SessionDep, user: ManagerUser) -> Response:
    """Delete a sequence without enrolments."""
    delete_sequence(session, sequence_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/sequences/tick", response_model=TickPublic)
def run_tick(request: Request, now: NowDep, user: AdminUser,
             limit: int = Query(500, ge=1, le=100_000)) -> TickPublic:
    """Run the due steps now (admins)."""
    return TickPublic.model_validate(tick(request.app.state.database, now, limit=limit).to_dict())


@router.post("/sequences/{sequence_id}/enrol", response_model=EnrolmentPublic, status_code=status.HTTP_201_CREATED)
def enrol_person(sequence_id: IdPath, body: EnrolIn, session: SessionDep, scope: ScopeDep,
                 now: NowDep) -> EnrolmentPublic:
    """Enrol a visible lead or contact by id or email address."""
    row = enrol_visible(session, scope, sequence_id, now, lead_id=body.lead_id, contact_id=body.contact_id,
                        email=body.email)
    return EnrolmentPublic.model_validate(row)


@router.get("/sequences/{sequence_id}/report", response_model=SequenceReportPublic)
def report(sequence_id: IdPath, session: SessionDep, scope: ScopeDep) -> SequenceReportPublic:
    """Enrolments, stop reasons, meetings and the per-step funnel (reply rates with Wilson intervals)."""
    return SequenceReportPublic.model_validate(sequence_report(session, scope, sequence_id).to_dict())


@router.get("/tasks", response_model=list[TaskPublic])
def tasks(session: SessionDep, scope: ScopeDep, now: NowDep,
          user_id: int | None = Query(None, ge=1, le=MAX_ID, description="a rep of the caller's team")
          ) -> list[TaskPublic]:
    """Today's open tasks (overdue first, then by priority): the caller's, or a visible rep's."""
    return [TaskPublic.model_validate(t) for t in todays_tasks(session, scope, now, user_id=user_id)]


@router.post("/tasks/{task_id}/done", response_model=TaskPublic)
def task_done(task_id: IdPath, session: SessionDep, scope: ScopeDep, now: NowDep, request: Request,
              body: TaskDone | None = None) -> TaskPublic:
    """Mark a visible task done or skipped (a manual email's review task sends the reviewed draft)."""
    body = body or TaskDone()
    task = complete_task(session, scope, task_id, now, skip=body.skip, subject=body.subject, text=body.text,
                         settings=request.app.state.database.settings)
    return TaskPublic.model_validate(task)


@router.get("/experiments", response_model=list[ExperimentPublic])
def experiments(session: SessionDep, scope: ScopeDep) -> list[ExperimentPublic]:
    """Every experiment (subject lines, templates, send times), newest first."""
    return [ExperimentPublic.model_validate(e) for e in list_experiments(session)]


@router.post("/experiments", response_model=ExperimentPublic, status_code=status.HTTP_201_CREATED)
def start_experiment(body: ExperimentCreate, session: SessionDep, user: ManagerUser,
                     request: Request) -> ExperimentPublic:
    """Start a subject, template or send-time experiment on an email step (managers and admins)."""
    row = create_experiment(session, step_id=body.step_id, arms=list(body.arms), kind=body.kind,
                            control_arm=body.control_arm, control_share=body.control_share,
                            min_samples=body.min_samples, segment_by=body.segment_by, name=body.name,
                            settings=request.app.state.database.settings)
    return ExperimentPublic.model_validate(row)


@router.post("/experiments/{experiment_id}/stop", response_model=ExperimentPublic)
def end_experiment(experiment_id: IdPath, session: SessionDep, user: ManagerUser) -> ExperimentPublic:
    """Stop a running experiment (managers and admins); its result stays and its step may start a new one."""
    return ExperimentPublic.model_validate(stop_experiment(session, experiment_id))


@router.get("/experiments/{experiment_id}", response_model=ExperimentReportPublic)
def experiment(experiment_id: IdPath, session: SessionDep, scope: ScopeDep) -> ExperimentReportPublic:
    """Each arm's posterior mean and 95% interval, and its lift over the control."""
    return ExperimentReportPublic.model_validate(experiment_report(session, experiment_id).to_dict())
