"""Mail: the outbox, a delivery run, inbound messages, suppressions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from salesmind.api.schemas.common import Input, Public, text
from salesmind.data.models.outreach import OUTBOX_STATUSES, SUPPRESSION_REASONS

OutboxStatus = Literal[OUTBOX_STATUSES]  # type: ignore[valid-type]
SuppressionReason = Literal[SUPPRESSION_REASONS]  # type: ignore[valid-type]


class OutboxMessagePublic(Public):
    """One outbox message and its delivery state."""

    id: int
    status: str
    to_address: str
    from_address: str
    subject: str
    message_id: str = Field(description="the RFC 5322 Message-ID, fixed when queued (the same on every retry)")
    created_at: datetime
    send_after: datetime
    next_attempt_at: datetime
    attempts: int
    sent_at: datetime | None
    last_error: str | None
    user_id: int | None
    lead_id: int | None
    contact_id: int | None


class OutboxPage(Public):
    """Outbox messages, newest first, with the status counts."""

    total: int
    counts: dict[str, int]
    items: list[OutboxMessagePublic]


class DeliveryPublic(Public):
    """What one delivery run did."""

    claimed: int
    sent: int
    retried: int
    failed: int
    bounced: int
    throttled: int
    errors: list[str]


class InboundRaw(Input):
    """An inbound email as raw RFC 822 text."""

    raw: text(10_000_000, 1) = Field(description="the whole message, headers and body")


class InboundPublic(Public):
    """What processing an inbound message did."""

    kind: str = Field(description="reply, bounce, duplicate (already stored) or unmatched (no lead or contact)")
    email_message_id: int | None
    thread_id: int | None
    lead_id: int | None
    contact_id: int | None
    outbox_message_id: int | None
    suppressed: int = Field(description="addresses added to the suppression list")
    unsubscribe: bool
    intent: str | None
    bounced_message_ids: list[str]


class SuppressionCreate(Input):
    """An address never to be mailed again."""

    address: text(254, 3)
    reason: SuppressionReason = "manual"
    source: text(200) | None = None


class SuppressionPublic(Public):
    """A suppression row (the address is kept only as its hash)."""

    id: int
    email_hash: str
    reason: str
    source: str | None
    created_at: datetime
