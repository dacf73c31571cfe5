"""Calls: the list, one call with transcript and analysis, importing a transcript.

Visible to the call's rep and the deal's owner, their managers, and admins (like other records).
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from salesmind.api.deps import ScopeDep, SessionDep
from salesmind.api.schemas.calls import AnalysisPublic, CallImport, CallPage, CallPublic, CallRowPublic
from salesmind.api.schemas.common import RecordId
from salesmind.conversations.call_views import MAX_LIMIT, call_detail, call_list, check_opportunity
from salesmind.conversations.service import add_transcript, analyse_in_session
from salesmind.conversations.transcripts import Segment, parse_transcript

router = APIRouter(prefix="/calls", tags=["calls"])


@router.get("", response_model=CallPage)
def list_calls(session: SessionDep, scope: ScopeDep, opportunity_id: RecordId | None = None,
               limit: int = Query(50, ge=1, le=MAX_LIMIT), offset: int = Query(0, ge=0, le=10_000_000)) -> CallPage:
    """Visible calls, newest first, with talk ratio and questions once analysed."""
    rows, total = call_list(session, scope, opportunity_id=opportunity_id, limit=limit, offset=offset)
    return CallPage(total=total, items=[CallRowPublic.model_validate(r.__dict__) for r in rows])


def _public(session: SessionDep, scope: ScopeDep, call_id: int) -> CallPublic:
    detail = call_detail(session, scope, call_id)
    call = detail.call
    metrics = detail.analysis.metrics if detail.analysis else {}
    return CallPublic.model_validate({
        **{k: getattr(call, k) for k in ("id", "title", "started_at", "duration_seconds", "user_id",
                                         "opportunity_id", "account_id")},
        "talk_ratio": metrics.get("talk_ratio"), "rep_questions": metrics.get("rep_questions"),
        "participants": [{"speaker_label": p.speaker_label, "role": str(p.role), "user_id": p.user_id,
                          "contact_id": p.contact_id, "lead_id": p.lead_id} for p in call.participants],
        "utterances": call.utterances,
        "analysis": AnalysisPublic.model_validate(detail.analysis) if detail.analysis else None})


@router.get("/{call_id}", response_model=CallPublic)
def get_call(call_id: RecordId, session: SessionDep, scope: ScopeDep) -> CallPublic:
    """One call: participants with roles, utterances, and its metrics, topics and sentiment."""
    return _public(session, scope, call_id)


@router.post("/import", response_model=CallPublic, status_code=201)
def import_call(body: CallImport, request: Request, session: SessionDep, scope: ScopeDep) -> CallPublic:
    """Store a transcript (WebVTT, SRT or JSON export text, or segments) as a call and analyse it."""
    if body.opportunity_id is not None:
        check_opportunity(session, scope, body.opportunity_id)
    if body.content is not None:
        segments = parse_transcript(body.content, f"upload.{body.format}")
    else:
        segments = [Segment(s.speaker, s.start, s.end, s.text) for s in body.segments or []]
    call = add_transcript(session, segments, started_at=body.started_at, opportunity_id=body.opportunity_id,
                          title=body.title, source=f"api:{body.format or 'segments'}",
                          redact_text=request.app.state.settings.redact_transcripts)
    analyse_in_session(session, [call.id])
    return _public(session, scope, call.id)
