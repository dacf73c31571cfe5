"""Customers: the customer list, one account's health, churn warnings, and the refresh request."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from salesmind.api.schemas.common import Input, Public, UtcTime

AlertStatus = Literal["open", "acknowledged", "resolved"]


class CustomerPublic(BaseModel):
    """One customer account with its newest stored values."""

    account_id: int
    name: str
    owner: str | None
    industry: str | None
    segment: str | None
    as_of: datetime
    churn_probability: float | None = Field(description="chance a subscription ends within the churn horizon")
    expected_months_to_churn: float | None
    p_alive: float | None = Field(description="probability the account is still buying (BG/NBD)")
    clv: float | None = Field(description="expected margin over the horizon, discounted")
    clv_low: float | None = Field(description="lower end of the 80% band")
    clv_high: float | None = Field(description="upper end of the 80% band")
    open_alerts: int
    top_cause: str | None


class CustomerPage(BaseModel):
    """A page of the customer list."""

    total: int
    items: list[CustomerPublic]


class ValuePublic(Public):
    """An account's values at one refresh."""

    as_of: datetime
    horizon_months: int
    churn_probability: float | None
    expected_months_to_churn: float | None
    p_alive: float | None
    expected_purchases: float | None
    clv: float | None
    clv_low: float | None
    clv_high: float | None
    segment: str | None


class AlertPublic(Public):
    """An early churn warning with its causes and the suggested play."""

    id: int
    account_id: int
    subscription_id: int | None
    raised_at: datetime
    kind: str
    probability: float
    previous_probability: float | None
    causes: list[str] | None
    play: str | None
    status: str
    model_version: str | None


class AlertUpdate(Input):
    """Acknowledge or resolve a warning."""

    status: AlertStatus


class AccountHealthPublic(BaseModel):
    """One account's health: current values with causes, advice, history, subscriptions, warnings."""

    account_id: int
    name: str
    current: ValuePublic | None
    details: dict[str, Any]
    history: list[ValuePublic]
    subscriptions: list[dict[str, Any]]
    alerts: list[AlertPublic]


class RefreshCreate(Input):
    """Recompute churn risk, lifetime value, segments and advice for every customer (``as_of`` defaults to now)."""

    as_of: UtcTime | None = None
    horizon_months: int = Field(12, ge=1, le=120)


class RefreshPublic(BaseModel):
    """What a refresh did."""

    as_of: datetime
    accounts: int
    alerts_raised: int
    segments: dict[str, int]
    notes: list[str]
