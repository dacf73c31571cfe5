"""Products, orders and order lines, subscriptions and their periodic usage."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesmind.data.models.base import Base, External, Timestamped, currency, money


class Product(Base, Timestamped, External):
    """Something the company sells, with its list price."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    family: Mapped[str | None] = mapped_column(String(120))
    list_price: Mapped[Decimal | None] = money()
    currency: Mapped[str] = currency()
    is_subscription: Mapped[bool] = mapped_column(default=False)


class Order(Base, Timestamped, External):
    """A purchase by an account (the basis of repeat-purchase lifetime value)."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"))
    ordered_at: Mapped[datetime] = mapped_column(index=True)
    total: Mapped[Decimal | None] = money()
    currency: Mapped[str] = currency()

    lines: Mapped[list["OrderLine"]] = relationship(cascade="all, delete-orphan")


class OrderLine(Base):
    """One product on an order."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price: Mapped[Decimal | None] = money()
    discount_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))


class Subscription(Base, Timestamped, External):
    """A recurring contract: monthly recurring revenue, seats, start and (if churned) end."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    mrr: Mapped[Decimal | None] = money()
    currency: Mapped[str] = currency()
    seats: Mapped[int | None]
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(32), default="active")
    churn_reason: Mapped[str | None] = mapped_column(String(200))


class SubscriptionUsage(Base):
    """Usage of a subscription in one period (week or month starting ``period_start``)."""

    __tablename__ = "subscription_usage"
    __table_args__ = (UniqueConstraint("subscription_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date]
    active_users: Mapped[int | None]
    seats: Mapped[int | None]
    usage_units: Mapped[float | None]
