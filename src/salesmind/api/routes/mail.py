"""Mail: the outbox (scoped by the user each message was sent for), a delivery run, inbound mail, suppressions."""

from __future__ import annotations

import json

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from salesmind.api.deps import AdminUser, ScopeDep, SessionDep
from salesmind.api.schemas.mail import (DeliveryPublic, InboundPublic, InboundRaw, OutboxMessagePublic, OutboxPage,
                                        SuppressionCreate, SuppressionPublic)
from salesmind.core.errors import ConfigError, UserInputError
from salesmind.data.models.outreach import OUTBOX_STATUSES
from salesmind.engagement.mail import inbound, outbox, suppression, views
from salesmind.engagement.mail.transport import SMTPTransport

router = APIRouter(tags=["mail"])
STATUS_PATTERN = "^(" + "|".join(OUTBOX_STATUSES) + ")$"
RAW_TYPES = ("message/rfc822", "text/plain")
_INBOUND_DOC = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": InboundRaw.model_json_schema()}}}}


@router.get("/outbox", response_model=OutboxPage)
def list_outbox(session: SessionDep, scope: ScopeDep, status: str | None = Query(None, pattern=STATUS_PATTERN),
                errors: bool = Query(False, description="only messages with an error"),
                limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10_000_000)) -> OutboxPage:
    """Visible outbox messages, newest first (reps: their own; managers: their teams'; admins: all)."""
    items, total = views.list_outbox(session, scope, status=status, errors_only=errors, limit=limit, offset=offset)
    return OutboxPage(total=total, counts=views.status_counts(session, scope),
                      items=[OutboxMessagePublic.model_validate(i) for i in items])


@router.post("/outbox/deliver", response_model=DeliveryPublic)
def deliver_outbox(request: Request, _user: AdminUser, limit: int = Query(100, ge=1, le=1000)) -> DeliveryPublic:
    """Send the due messages once through the configured SMTP server."""
    settings = request.app.state.settings
    try:
        transport = SMTPTransport.from_settings(settings.mail)
    except ConfigError as exc:
        raise UserInputError(str(exc)) from None
    counts = outbox.deliver(request.app.state.database, transport, limit=limit)
    return DeliveryPublic.model_validate(counts)


async def _raw_body(request: Request) -> bytes:
    """The message: the body itself (message/rfc822, text/plain) or the ``raw`` field of a JSON body."""
    body = await request.body()
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in RAW_TYPES:
        return body
    try:
        return InboundRaw.model_validate(json.loads(body or b"null")).raw.encode("utf-8")
    except (ValueError, ValidationError):
        raise UserInputError('send the message as message/rfc822, or as JSON {"raw": "..."}') from None


@router.post("/mail/inbound", response_model=InboundPublic, openapi_extra=_INBOUND_DOC)
async def receive_inbound(request: Request, _user: AdminUser,
                          classify: bool = Query(True, description="classify a reply's intent")) -> InboundPublic:
    """Process one inbound email (a reply, a bounce, an unsubscribe request); admins' API keys (webhooks)."""
    raw = await _raw_body(request)
    result = await run_in_threadpool(inbound.process_inbound, request.app.state.database, raw, classify=classify,
                                     models_dir=request.app.state.settings.models_dir,
                                     now=request.app.state.clock.now())
    return InboundPublic.model_validate(result)


@router.post("/suppressions", response_model=SuppressionPublic, status_code=201)
def add_suppression(body: SuppressionCreate, session: SessionDep, _user: AdminUser) -> SuppressionPublic:
    """Never mail this address again (and mark its leads and contacts do-not-contact)."""
    row = suppression.suppress(session, body.address, body.reason, body.source or "api")
    suppression.mark_do_not_contact(session, body.address)
    session.flush()
    return SuppressionPublic.model_validate(row)
