"""What managers decide: discount guardrails and territory (account assignment) plans.

``DiscountGuardrail`` is the admin's limit on the discount salesmind may recommend, for all deals
(``segment`` empty) or for one segment, with the objective the recommendation maximises (expected
revenue, or expected margin given the cost share of list price). ``TerritoryPlan`` is one solved
account assignment with its objective against the current owners, round-robin and a greedy
heuristic; ``TerritoryAssignment`` holds each account's proposed owner and why. Applying a plan
moves account ownership in one transaction and stamps ``applied_at``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from salesmind.core.timeutil import utcnow
from salesmind.data.models.base import Base

DISCOUNT_OBJECTIVES = ("revenue", "margin")
PLAN_STATUSES = ("draft", "applied", "discarded")


class DiscountGuardrail(Base):
    """The largest discount to recommend (and the objective), for every deal or one segment."""

    __tablename__ = "discount_guardrails"
    __table_args__ = (UniqueConstraint("segment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "" for the default that applies to every deal without a segment rule
    segment: Mapped[str] = mapped_column(String(64), default="")
    max_discount_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    objective: Mapped[str] = mapped_column(String(16), default="revenue")
    #: cost as a share of list price, in percent (used by the margin objective)
    cost_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class TerritoryPlan(Base):
    """One solved account assignment and how it compares with the alternatives."""

    __tablename__ = "territory_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: the constraints and inputs it was solved with (capacity, balance tolerance, reps, ...)
    settings: Mapped[dict[str, Any] | None]
    solver: Mapped[str] = mapped_column(String(64))
    solve_seconds: Mapped[float] = mapped_column(default=0.0)
    accounts: Mapped[int] = mapped_column(default=0)
    moves: Mapped[int] = mapped_column(default=0)
    #: expected won revenue of this plan, of the current owners, of round-robin and of greedy
    objective: Mapped[float] = mapped_column(default=0.0)
    current_objective: Mapped[float | None]
    round_robin_objective: Mapped[float | None]
    greedy_objective: Mapped[float | None]
    summary: Mapped[dict[str, Any] | None]
    applied_at: Mapped[datetime | None]
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class TerritoryAssignment(Base):
    """An account's owner before the plan, its proposed owner, the expected value and the reasons."""

    __tablename__ = "territory_assignments"
    __table_args__ = (UniqueConstraint("plan_id", "account_id"),
                      Index("ix_territory_assignments_plan_moved", "plan_id", "moved"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("territory_plans.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    from_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    to_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    moved: Mapped[bool] = mapped_column(default=False)
    expected_value: Mapped[float] = mapped_column(default=0.0)
    current_expected_value: Mapped[float | None]
    reason: Mapped[dict[str, Any] | None]
