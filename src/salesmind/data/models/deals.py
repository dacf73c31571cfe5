"""Opportunities (deals), their full stage and close-date history, and their contacts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesmind.data.models.base import Base, External, Outcome, Timestamped, currency, enum_column, money
from salesmind.data.models.accounts import Account, Contact
from salesmind.data.models.people import User

#: The default stage ladder; imported stages keep their own names.
STAGES = ("prospecting", "qualification", "discovery", "proposal", "negotiation", "closed_won", "closed_lost")
OPEN_STAGES = STAGES[:5]


class Opportunity(Base, Timestamped, External):
    """A deal: amount in a currency, stage, expected close date and outcome."""

    __tablename__ = "opportunities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    primary_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    amount: Mapped[Decimal | None] = money()
    currency: Mapped[str] = currency()
    stage: Mapped[str] = mapped_column(String(64), index=True)
    expected_close_date: Mapped[date | None] = mapped_column(index=True)
    closed_at: Mapped[datetime | None]
    outcome: Mapped[Outcome] = enum_column(Outcome, default=Outcome.OPEN, index=True)
    loss_reason: Mapped[str | None] = mapped_column(String(200))
    competitor: Mapped[str | None] = mapped_column(String(120))
    discount_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    lead_source: Mapped[str | None] = mapped_column(String(120))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))

    account: Mapped[Account | None] = relationship()
    primary_contact: Mapped[Contact | None] = relationship()
    owner: Mapped[User | None] = relationship()
    history: Mapped[list["OpportunityHistory"]] = relationship(
        back_populates="opportunity", order_by="OpportunityHistory.changed_at",
        cascade="all, delete-orphan",
    )


class OpportunityHistory(Base):
    """One change to a deal: the stage, amount and close date as they stood from ``changed_at``."""

    __tablename__ = "opportunity_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(index=True)
    stage: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal | None] = money()
    expected_close_date: Mapped[date | None]
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    opportunity: Mapped[Opportunity] = relationship(back_populates="history")


class OpportunityContact(Base):
    """A contact involved in a deal, with their role (champion, decision maker, ...)."""

    __tablename__ = "opportunity_contacts"
    __table_args__ = (UniqueConstraint("opportunity_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    role: Mapped[str | None] = mapped_column(String(64))
