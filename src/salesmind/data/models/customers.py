"""What the customer-intelligence jobs conclude about each customer account.

``CustomerValue`` is one refresh's view of an account (lifetime value with its band, probability
alive, segment, churn risk); the newest row per account is the current one and older rows are the
history the account page draws. ``CustomerAlert`` is an early churn warning with its causes in
words and the play suggested to the owner.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from salesmind.core.timeutil import utcnow
from salesmind.data.models.base import Base

ALERT_KINDS = ("threshold", "jump")
ALERT_STATUSES = ("open", "acknowledged", "resolved")


class CustomerValue(Base):
    """An account's value, risk and segment as computed by one refresh (``as_of``)."""

    __tablename__ = "customer_values"
    __table_args__ = (Index("ix_customer_values_account_as_of", "account_id", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    as_of: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    horizon_months: Mapped[int] = mapped_column(default=12)
    churn_probability: Mapped[float | None]
    expected_months_to_churn: Mapped[float | None]
    p_alive: Mapped[float | None]
    expected_purchases: Mapped[float | None]
    clv: Mapped[float | None]
    clv_low: Mapped[float | None]
    clv_high: Mapped[float | None]
    segment: Mapped[str | None] = mapped_column(String(120))
    details: Mapped[dict[str, Any] | None]


class CustomerAlert(Base):
    """An early churn warning: risk past the threshold or a jump, with causes and a suggested play."""

    __tablename__ = "customer_alerts"
    __table_args__ = (Index("ix_customer_alerts_status_raised", "status", "raised_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    raised_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))
    probability: Mapped[float]
    previous_probability: Mapped[float | None]
    causes: Mapped[list[Any] | None] = mapped_column(JSON)
    play: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="open")
    model_version: Mapped[str | None] = mapped_column(String(64))
