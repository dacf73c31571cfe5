"""Leads: people who showed interest but are not yet contacts on a deal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesmind.data.models.base import Base, External, LeadStatus, Seniority, Timestamped, enum_column
from salesmind.data.models.people import User


class Lead(Base, Timestamped, External):
    """An inbound or sourced lead with its form answers and conversion outcome."""

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str | None] = mapped_column(String(120))
    last_name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(64))
    company: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(200))
    seniority: Mapped[Seniority] = enum_column(Seniority, default=Seniority.UNKNOWN)
    industry: Mapped[str | None] = mapped_column(String(120))
    employees: Mapped[int | None]
    country: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(64))
    timezone: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(120), index=True)
    status: Mapped[LeadStatus] = enum_column(LeadStatus, default=LeadStatus.NEW, index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    converted_at: Mapped[datetime | None]
    converted_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    converted_opportunity_id: Mapped[int | None] = mapped_column(
        ForeignKey("opportunities.id", use_alter=True)
    )
    first_response_at: Mapped[datetime | None]
    form_answers: Mapped[dict[str, Any] | None]
    consent_email: Mapped[bool] = mapped_column(default=False)
    do_not_contact: Mapped[bool] = mapped_column(default=False)

    owner: Mapped[User | None] = relationship()

    @property
    def full_name(self) -> str:
        """First and last name, or the email when there is no name."""
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or (self.email or f"lead {self.id}")
