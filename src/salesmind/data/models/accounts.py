"""Accounts (companies) and contacts (people at them)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesmind.data.models.base import (
    Base,
    External,
    Seniority,
    Timestamped,
    currency,
    enum_column,
    money,
)
from salesmind.data.models.people import User


class Account(Base, Timestamped, External):
    """A company: a prospect or a customer."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
    industry: Mapped[str | None] = mapped_column(String(120))
    employees: Mapped[int | None]
    annual_revenue: Mapped[Decimal | None] = money()
    currency: Mapped[str] = currency()
    region: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(64))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    is_customer: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str | None] = mapped_column(Text)

    owner: Mapped[User | None] = relationship()
    contacts: Mapped[list["Contact"]] = relationship(back_populates="account")


class Contact(Base, Timestamped, External):
    """A person at an account, with consent and do-not-contact flags."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    first_name: Mapped[str | None] = mapped_column(String(120))
    last_name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(200))
    seniority: Mapped[Seniority] = enum_column(Seniority, default=Seniority.UNKNOWN)
    department: Mapped[str | None] = mapped_column(String(120))
    timezone: Mapped[str | None] = mapped_column(String(64))
    consent_email: Mapped[bool] = mapped_column(default=False)
    consent_source: Mapped[str | None] = mapped_column(String(120))
    consent_at: Mapped[datetime | None]
    do_not_contact: Mapped[bool] = mapped_column(default=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    account: Mapped[Account | None] = relationship(back_populates="contacts")
    owner: Mapped[User | None] = relationship()

    @property
    def full_name(self) -> str:
        """First and last name, or the email when there is no name."""
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or (self.email or f"contact {self.id}")
