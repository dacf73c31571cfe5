"""Replies: the inbox of classified inbound replies (scoped by the lead's or contact's owner), corrections,
and classifying any text on demand."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from salesmind.api.deps import CurrentUser, NowDep, ScopeDep, SessionDep
from salesmind.api.schemas.common import RecordId
from salesmind.api.schemas.replies import ClassifyRequest, ClassifyResult, CorrectionCreate, ReplyPage, ReplyPublic
from salesmind.conversations import reply_service
from salesmind.conversations.intents import INTENT_NAMES

router = APIRouter(prefix="/replies", tags=["replies"])
INTENT_PATTERN = "^(" + "|".join(INTENT_NAMES) + ")$"


@router.get("", response_model=ReplyPage)
def list_replies(session: SessionDep, scope: ScopeDep, intent: str | None = Query(None, pattern=INTENT_PATTERN),
                 limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10_000_000)) -> ReplyPage:
    """Visible classified replies, newest first, with their suggested next actions."""
    items, total = reply_service.inbox(session, scope, intent=intent, limit=limit, offset=offset)
    return ReplyPage(total=total, items=[ReplyPublic.model_validate(i) for i in items])


@router.post("/{classification_id}/correction", response_model=ReplyPublic)
def correct_reply(classification_id: RecordId, body: CorrectionCreate, session: SessionDep, scope: ScopeDep,
                  user: CurrentUser) -> ReplyPublic:
    """Store the right intent for a reply (used by the next retraining)."""
    return ReplyPublic.model_validate(reply_service.correct(session, scope, classification_id, body.intent, user))


@router.post("/classify", response_model=ClassifyResult)
def classify_text(body: ClassifyRequest, request: Request, _user: CurrentUser, now: NowDep) -> ClassifyResult:
    """The intent, confidence, extractions and next action of a text (nothing is stored)."""
    result = reply_service.classify_text(body.text, body.sent_at or now,
                                         models_dir=request.app.state.settings.models_dir)
    return ClassifyResult.model_validate(result)
