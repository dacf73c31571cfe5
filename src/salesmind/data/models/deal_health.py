"""What the deal-health job concludes, and the notifications it (and later jobs) send to people.

``DealHealth`` is one refresh's view of an open deal: a 0-100 health score (higher is healthier),
its named red flags with the evidence behind each, and the signals they were read from. The newest
row per deal is the current one; older rows are the trend the deal page draws. ``Notification`` is
a message for one user (a deal's owner, their manager) with a link to act on; ``dedupe_key`` keeps a
job from telling the same person the same thing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from salesmind.core.timeutil import utcnow
from salesmind.data.models.base import Base


class DealHealth(Base):
    """An open deal's health as computed by one refresh (``as_of``)."""

    __tablename__ = "deal_health"
    __table_args__ = (Index("ix_deal_health_opportunity_as_of", "opportunity_id", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    as_of: Mapped[datetime] = mapped_column(index=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    score: Mapped[float]
    grade: Mapped[str] = mapped_column(String(16))
    flags: Mapped[list[Any]] = mapped_column(JSON)
    signals: Mapped[dict[str, Any] | None]
    version: Mapped[str] = mapped_column(String(32))


class Notification(Base):
    """A message for one user, with a link; read when ``read_at`` is set."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "dedupe_key"),
                      Index("ix_notifications_user_read", "user_id", "read_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    read_at: Mapped[datetime | None]
