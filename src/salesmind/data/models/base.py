"""Declarative base, shared columns and enumerations of the CRM model."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from salesmind.core.timeutil import utcnow
from salesmind.data.types import MoneyAmount, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every table."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class Timestamped:
    """Creation and update times, in UTC."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class External:
    """The identifier a record has in the system it was imported from (upsert key)."""

    external_id: Mapped[str | None] = mapped_column(String(128), unique=True, index=True)


def money() -> Any:
    """An exact amount column."""
    return mapped_column(MoneyAmount(), nullable=True)


def currency() -> Any:
    """A three-letter ISO currency column, USD unless said otherwise."""
    return mapped_column(String(3), default="USD")


class StrEnum(str, enum.Enum):
    """An enumeration stored by its value."""

    def __str__(self) -> str:
        return self.value


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    REP = "rep"


class Seniority(StrEnum):
    C_LEVEL = "c_level"
    VP = "vp"
    DIRECTOR = "director"
    MANAGER = "manager"
    INDIVIDUAL = "individual"
    UNKNOWN = "unknown"


class LeadStatus(StrEnum):
    NEW = "new"
    WORKING = "working"
    NURTURING = "nurturing"
    QUALIFIED = "qualified"
    CONVERTED = "converted"
    DISQUALIFIED = "disqualified"


class Outcome(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class ActivityType(StrEnum):
    EMAIL_SENT = "email_sent"
    EMAIL_OPENED = "email_opened"
    EMAIL_CLICKED = "email_clicked"
    EMAIL_REPLIED = "email_replied"
    EMAIL_BOUNCED = "email_bounced"
    EMAIL_UNSUBSCRIBED = "email_unsubscribed"
    CALL = "call"
    MEETING = "meeting"
    WEB_VISIT = "web_visit"
    FORM_SUBMIT = "form_submit"
    CONTENT_DOWNLOAD = "content_download"
    WEBINAR = "webinar"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class SpeakerRole(StrEnum):
    REP = "rep"
    PROSPECT = "prospect"
    OTHER = "other"


def enum_column(kind: type[enum.Enum], **kw: Any) -> Any:
    """A column storing an enumeration's values as short strings (portable, no DB enum type)."""
    from sqlalchemy import Enum

    return mapped_column(
        Enum(kind, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e],
             validate_strings=True),
        **kw,
    )
