"""Customers: the list sortable by risk and value, one account's health, churn warnings, refresh.

Reps see the accounts they own, managers their team's, admins all (the account owner decides).
A refresh recomputes everything for the whole book, so it is for managers and admins.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from salesmind.api.deps import ManagerUser, NowDep, ScopeDep, SessionDep
from salesmind.api.schemas.common import RecordId
from salesmind.api.schemas.customers import (
    AccountHealthPublic,
    AlertPublic,
    AlertUpdate,
    CustomerPage,
    CustomerPublic,
    RefreshCreate,
    RefreshPublic,
    ValuePublic,
)
from salesmind.core.errors import UserInputError
from salesmind.customers import service, views

router = APIRouter(prefix="/customers", tags=["customers"])


@router.get("", response_model=CustomerPage)
def list_customers(session: SessionDep, scope: ScopeDep,
                   sort: str = Query("risk", pattern="^(risk|value|p_alive|name)$"),
                   segment: str | None = Query(None, max_length=120), at_risk: bool = False,
                   limit: int = Query(50, ge=1, le=views.MAX_LIMIT),
                   offset: int = Query(0, ge=0, le=10_000_000)) -> CustomerPage:
    """Visible customer accounts with their newest churn risk, lifetime value and segment."""
    rows, total = views.customer_list(session, scope, sort=sort, segment=segment, at_risk=at_risk,
                                      limit=limit, offset=offset)
    return CustomerPage(total=total, items=[CustomerPublic.model_validate(r.__dict__) for r in rows])


@router.get("/alerts", response_model=list[AlertPublic])
def list_alerts(session: SessionDep, scope: ScopeDep,
                status: str | None = Query("open", pattern="^(open|acknowledged|resolved)$"),
                limit: int = Query(100, ge=1, le=views.MAX_LIMIT)) -> list[AlertPublic]:
    """Visible churn warnings, newest first."""
    return [AlertPublic.model_validate(a) for a, _ in views.alert_list(session, scope, status=status, limit=limit)]


@router.patch("/alerts/{alert_id}", response_model=AlertPublic)
def update_alert(alert_id: RecordId, body: AlertUpdate, session: SessionDep, scope: ScopeDep) -> AlertPublic:
    """Acknowledge or resolve a warning."""
    return AlertPublic.model_validate(views.set_alert_status(session, scope, alert_id, body.status))


@router.post("/refresh", response_model=RefreshPublic, status_code=201)
def refresh(body: RefreshCreate, request: Request, _user: ManagerUser, now: NowDep) -> RefreshPublic:
    """Score churn, fit lifetime value, segment, recommend and store the values of every customer."""
    as_of = body.as_of or now
    if as_of > now:
        raise UserInputError(f"as_of {as_of.isoformat()} is in the future")
    settings = request.app.state.settings
    summary = service.refresh_customers(request.app.state.database, now=as_of, models_dir=settings.models_dir,
                                        horizon_months=body.horizon_months)
    return RefreshPublic.model_validate(summary.__dict__)


@router.get("/{account_id}", response_model=AccountHealthPublic)
def account_health(account_id: RecordId, session: SessionDep, scope: ScopeDep) -> AccountHealthPublic:
    """One account's health: values over time, causes, recommendations, next actions, warnings."""
    health = views.account_health(session, scope, account_id)
    return AccountHealthPublic(
        account_id=health.account.id, name=health.account.name,
        current=ValuePublic.model_validate(health.current) if health.current else None,
        details=health.details, history=[ValuePublic.model_validate(v) for v in health.history],
        subscriptions=health.subscriptions, alerts=[AlertPublic.model_validate(a) for a in health.alerts])
