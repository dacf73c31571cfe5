"""What the customer pages and the API read: the customer list, one account's health, the open warnings.

Everything here reads what :func:`salesmind.customers.service.refresh_customers` stored (one
``CustomerValue`` row per account and refresh, ``CustomerAlert`` rows, subscription churn scores in
``model_predictions``), cut to the caller's scope by the account owner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesmind.core.errors import NotFound, UserInputError
from salesmind.data.models import (
    Account,
    CustomerAlert,
    CustomerValue,
    ModelPrediction,
    Subscription,
    User,
)
from salesmind.data.scope import Scope

#: Sort keys of the customer list: column, and whether larger comes first.
SORTS: dict[str, tuple[Any, bool]] = {
    "risk": (CustomerValue.churn_probability, True),
    "value": (CustomerValue.clv, True),
    "p_alive": (CustomerValue.p_alive, False),
    "name": (Account.name, False),
}
MAX_LIMIT = 500


@dataclass(frozen=True)
class CustomerRow:
    """One account in the customer list (its newest stored values)."""

    account_id: int
    name: str
    owner: str | None
    industry: str | None
    segment: str | None
    as_of: datetime
    churn_probability: float | None
    expected_months_to_churn: float | None
    p_alive: float | None
    clv: float | None
    clv_low: float | None
    clv_high: float | None
    open_alerts: int
    top_cause: str | None


@dataclass
class AccountHealth:
    """One account's health: current values, their history, warnings, subscriptions, advice."""

    account: Account
    current: CustomerValue | None
    history: list[CustomerValue]
    alerts: list[CustomerAlert]
    subscriptions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def details(self) -> dict[str, Any]:
        """The current row's details (causes, recommendations, next actions, value parts)."""
        return dict(self.current.details or {}) if self.current is not None else {}


def _latest_ids() -> Any:
    """Subquery: the newest ``CustomerValue`` id of every account."""
    return (select(func.max(CustomerValue.id).label("id"))
            .group_by(CustomerValue.account_id).subquery())


def _open_alert_counts() -> Any:
    return (select(CustomerAlert.account_id, func.count().label("n"))
            .where(CustomerAlert.status == "open").group_by(CustomerAlert.account_id).subquery())


def customer_list(session: Session, scope: Scope, *, sort: str = "risk", limit: int = 100, offset: int = 0,
                  segment: str | None = None, at_risk: bool = False) -> tuple[list[CustomerRow], int]:
    """Visible customer accounts with their newest values, sorted; and how many there are in all.

    ``at_risk`` keeps accounts with an open warning. ``sort`` is one of :data:`SORTS`; missing values
    sort last whatever the direction.
    """
    if sort not in SORTS:
        raise UserInputError(f"sort {sort!r}: expected one of {', '.join(SORTS)}")
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise UserInputError(f"limit must be 1-{MAX_LIMIT} and offset at least 0")
    latest, alerts = _latest_ids(), _open_alert_counts()
    stmt = (select(CustomerValue, Account, User.name, func.coalesce(alerts.c.n, 0))
            .join(latest, latest.c.id == CustomerValue.id)
            .join(Account, Account.id == CustomerValue.account_id)
            .outerjoin(User, User.id == Account.owner_id)
            .outerjoin(alerts, alerts.c.account_id == Account.id))
    stmt = scope.restrict(stmt, Account.owner_id)
    if segment:
        stmt = stmt.where(CustomerValue.segment == segment)
    if at_risk:
        stmt = stmt.where(alerts.c.n > 0)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    column, descending = SORTS[sort]
    order = [column.is_(None), column.desc() if descending else column.asc(), Account.id]
    rows = session.execute(stmt.order_by(*order).limit(limit).offset(offset)).all()
    return [_row(value, account, owner, int(n)) for value, account, owner, n in rows], int(total)


def _row(value: CustomerValue, account: Account, owner: str | None, open_alerts: int) -> CustomerRow:
    causes = (value.details or {}).get("causes") or []
    return CustomerRow(
        account_id=account.id, name=account.name, owner=owner, industry=account.industry,
        segment=value.segment, as_of=value.as_of, churn_probability=value.churn_probability,
        expected_months_to_churn=value.expected_months_to_churn, p_alive=value.p_alive, clv=value.clv,
        clv_low=value.clv_low, clv_high=value.clv_high, open_alerts=open_alerts,
        top_cause=causes[0] if causes else None)


def segments(session: Session, scope: Scope) -> list[tuple[str, int]]:
    """The segments of the newest values with their visible account counts, largest first."""
    latest = _latest_ids()
    stmt = (select(CustomerValue.segment, func.count())
            .join(latest, latest.c.id == CustomerValue.id)
            .join(Account, Account.id == CustomerValue.account_id)
            .where(CustomerValue.segment.is_not(None)).group_by(CustomerValue.segment))
    rows = session.execute(scope.restrict(stmt, Account.owner_id)).all()
    return sorted(((str(s), int(n)) for s, n in rows), key=lambda r: (-r[1], r[0]))


def account_health(session: Session, scope: Scope, account_id: int, *, history: int = 36) -> AccountHealth:
    """The health of one visible account (NotFound when it does not exist or is not visible)."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"account {account_id} not found")
    scope.check(account.owner_id, f"account {account_id}")
    values = list(session.scalars(select(CustomerValue).where(CustomerValue.account_id == account_id)
                                  .order_by(CustomerValue.as_of.desc(), CustomerValue.id.desc()).limit(history)))
    alerts = list(session.scalars(select(CustomerAlert).where(CustomerAlert.account_id == account_id)
                                  .order_by(CustomerAlert.raised_at.desc(), CustomerAlert.id.desc()).limit(50)))
    return AccountHealth(account=account, current=values[0] if values else None, history=values[::-1],
                         alerts=alerts, subscriptions=_subscriptions(session, account_id))


def _subscriptions(session: Session, account_id: int) -> list[dict[str, Any]]:
    """The account's subscriptions, each with its newest stored churn score and reasons."""
    subs = list(session.scalars(select(Subscription).where(Subscription.account_id == account_id)
                                .order_by(Subscription.started_at)))
    if not subs:
        return []
    newest = (select(func.max(ModelPrediction.id))
              .where(ModelPrediction.entity_type == "subscription",
                     ModelPrediction.entity_id.in_([s.id for s in subs]))
              .group_by(ModelPrediction.entity_id))
    scores = {p.entity_id: p for p in session.scalars(
        select(ModelPrediction).where(ModelPrediction.id.in_(newest)))}
    out = []
    for sub in subs:
        score = scores.get(sub.id)
        out.append({"id": sub.id, "status": sub.status, "mrr": float(sub.mrr) if sub.mrr is not None else None,
                    "currency": sub.currency, "seats": sub.seats, "started_at": sub.started_at,
                    "ended_at": sub.ended_at, "churn_reason": sub.churn_reason,
                    "probability": score.probability if score else None,
                    "scored_at": score.scored_at if score else None,
                    "model_version": score.model_version if score else None,
                    "reasons": (score.reasons or {}) if score else {}})
    return out


def alert_list(session: Session, scope: Scope, *, status: str | None = "open",
               limit: int = 100) -> list[tuple[CustomerAlert, Account]]:
    """Visible churn warnings (newest first), with their accounts."""
    if status is not None and status not in ("open", "acknowledged", "resolved"):
        raise UserInputError(f"status {status!r}: expected open, acknowledged or resolved")
    stmt = (select(CustomerAlert, Account).join(Account, Account.id == CustomerAlert.account_id)
            .order_by(CustomerAlert.raised_at.desc(), CustomerAlert.id.desc()).limit(min(limit, MAX_LIMIT)))
    if status is not None:
        stmt = stmt.where(CustomerAlert.status == status)
    return [(a, acc) for a, acc in session.execute(scope.restrict(stmt, Account.owner_id)).all()]


def set_alert_status(session: Session, scope: Scope, alert_id: int, status: str) -> CustomerAlert:
    """Acknowledge or resolve a warning the caller can see."""
    if status not in ("open", "acknowledged", "resolved"):
        raise UserInputError(f"status {status!r}: expected open, acknowledged or resolved")
    alert = session.get(CustomerAlert, alert_id)
    if alert is None:
        raise NotFound(f"alert {alert_id} not found")
    account = session.get(Account, alert.account_id)
    scope.check(account.owner_id if account else None, f"alert {alert_id}")
    alert.status = status
    return alert


def deal_actions(session: Session, scope: Scope, opportunity_id: int, now: datetime) -> dict[str, Any]:
    """The next best actions of a visible open deal, with their evidence, as plain data.

    ``ranked``: the actions followed by deals in the same stage (and company segment) advancing more
    often, best first; ``no_evidence``: actions the history cannot judge yet, with why;
    ``already_done``: actions this deal already had in its current stage.
    """
    from salesmind.customers.nba import next_best_actions
    from salesmind.data.records import get_record

    deal = get_record(session, scope, "opportunity", opportunity_id)
    found = next_best_actions(session, now, opportunity_id=opportunity_id)
    return {
        "opportunity_id": deal.id, "name": deal.name, "stage": deal.stage, "basis": found.basis,
        "ranked": [{"action": e.action.label, "key": e.action.key, "score": round(e.shrunk, 4),
                    "rate_with": e.rate_with, "rate_without": e.rate_without, "n_with": e.n_with,
                    "n_without": e.n_without, "ci_low": e.ci_low, "ci_high": e.ci_high, "evidence": e.evidence}
                   for e in found.ranked],
        "no_evidence": [{"action": a.label, "key": a.key, "reason": why} for a, why in found.no_evidence],
        "already_done": [a.label for a in found.already_done],
    }
