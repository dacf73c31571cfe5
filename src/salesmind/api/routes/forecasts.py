"""Forecasts: make history and pipeline runs, list and read them, accuracy over time, what changed.

Managers and admins only (forecasts are company numbers). Deal lists are cut to the caller's
scope; deals outside it are summed without names (see ``forecasting.views``).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request

from salesmind.api.deps import ManagerUser, NowDep, ScopeDep, SessionDep
from salesmind.api.schemas.common import RecordId
from salesmind.api.schemas.forecasts import (
    AccuracyPublic,
    ActualsFilled,
    ChangesPublic,
    HistoryRunCreate,
    PipelineRunCreate,
    PointPublic,
    RunDetail,
    RunPublic,
)
from salesmind.core.errors import NotFound, UserInputError
from salesmind.forecasting import accuracy, service, store, views

router = APIRouter(prefix="/forecasts", tags=["forecasts"])


def _as_of(requested: datetime | None, now: datetime) -> datetime:
    if requested is None:
        return now
    if requested > now:
        raise UserInputError(f"as_of {requested.isoformat()} is in the future; a forecast sees only the past")
    return requested


@router.post("/history", response_model=RunPublic, status_code=201)
def create_history_run(body: HistoryRunCreate, request: Request, user: ManagerUser, now: NowDep) -> RunPublic:
    """Forecast bookings per period (and group) from history with the model ensemble, and store the run."""
    run = service.run_history_forecast(request.app.state.database, as_of=_as_of(body.as_of, now), freq=body.freq,
                                       group_by=body.group_by, horizon=body.horizon, created_by_id=user.id)
    return RunPublic.model_validate(run)


@router.post("/pipeline", response_model=RunPublic, status_code=201)
def create_pipeline_run(body: PipelineRunCreate, request: Request, user: ManagerUser, now: NowDep) -> RunPublic:
    """Simulate the period's bookings from the open pipeline, and store the run with the deals it saw."""
    run = service.run_pipeline_forecast(request.app.state.database, as_of=_as_of(body.as_of, now),
                                        period=body.period, period_of=body.period_of,
                                        n_simulations=body.n_simulations, created_by_id=user.id)
    return RunPublic.model_validate(run)


@router.get("", response_model=list[RunPublic])
def list_runs(session: SessionDep, _user: ManagerUser, kind: str | None = Query(None, pattern="^(history|pipeline)$"),
              limit: int = Query(50, ge=1, le=store.MAX_RUNS)) -> list[RunPublic]:
    """Stored runs, newest ``as_of`` first."""
    return [RunPublic.model_validate(r) for r in store.list_runs(session, kind, limit)]


@router.get("/accuracy", response_model=AccuracyPublic)
def get_accuracy(session: SessionDep, _user: ManagerUser,
                 kind: str | None = Query(None, pattern="^(history|pipeline)$"),
                 window: int = Query(4, ge=1, le=52)) -> AccuracyPublic:
    """MAPE, bias and 80/95% coverage of stored forecasts whose actuals are known (overall, per run, rolling)."""
    return AccuracyPublic(**accuracy.accuracy_report(session, kind, window))


@router.post("/actuals", response_model=ActualsFilled)
def fill_actuals(session: SessionDep, _user: ManagerUser, now: NowDep) -> ActualsFilled:
    """Fill in the actual bookings of every stored point whose period has ended."""
    return ActualsFilled(filled=accuracy.fill_actuals(session, now))


@router.get("/{run_id}", response_model=RunDetail)
def get_run(run_id: RecordId, session: SessionDep, scope: ScopeDep, _user: ManagerUser) -> RunDetail:
    """One run with its points and the driver deals the caller may see."""
    detail = views.run_detail(session, scope, run_id)
    return RunDetail(run=RunPublic.model_validate(detail["run"]),
                     points=[PointPublic.model_validate(p) for p in detail["points"]],
                     drivers=detail["drivers"], hidden_drivers=detail["hidden_drivers"])


@router.get("/{run_id}/changes", response_model=ChangesPublic)
def get_changes(run_id: RecordId, session: SessionDep, scope: ScopeDep, _user: ManagerUser,
                against: RecordId | None = Query(None, description="the older run (default: the one before)")
                ) -> ChangesPublic:
    """What changed since the previous pipeline run of the same period: deals by category and the bridge."""
    _, payload = views.change_view(session, scope, run_id, against)
    if payload is None:
        raise NotFound(f"forecast run {run_id} has no earlier pipeline run of the same period to compare with")
    return ChangesPublic(**payload)
