"""Content recommendations for a lead or deal, and personalised drafts (rendered for review, never sent here).

Everything goes through the caller's scope: a rep gets content and drafts only for their own records.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from salesmind.api.deps import CurrentUser, NowDep, ScopeDep, SessionDep
from salesmind.api.schemas.common import RecordId
from salesmind.api.schemas.engagement_content import (
    ContentRecommendationPublic,
    DraftPublic,
    DraftRender,
    DraftTemplatePublic,
)
from salesmind.engagement.content import Recommendation, app_cache, recommend_for
from salesmind.engagement.drafts import Draft, list_templates, render_draft

router = APIRouter(tags=["engagement"])
MAX_K = 20


def _public(items: list[Recommendation]) -> list[ContentRecommendationPublic]:
    return [ContentRecommendationPublic.model_validate(r.__dict__) for r in items]


def draft_public(draft: Draft) -> DraftPublic:
    """A draft as the API returns it."""
    return DraftPublic.model_validate(draft.__dict__ | {"personalisation_count": draft.personalisation_count})


@router.get("/leads/{lead_id}/content", response_model=list[ContentRecommendationPublic])
def lead_content(lead_id: RecordId, request: Request, session: SessionDep, scope: ScopeDep, now: NowDep,
                 k: int = Query(5, ge=1, le=MAX_K)) -> list[ContentRecommendationPublic]:
    """Content assets this lead has not seen, best first, with the reasons."""
    return _public(recommend_for(session, scope, "lead", lead_id, now, k, app_cache(request.app.state)))


@router.get("/opportunities/{opportunity_id}/content", response_model=list[ContentRecommendationPublic])
def deal_content(opportunity_id: RecordId, request: Request, session: SessionDep, scope: ScopeDep, now: NowDep,
                 k: int = Query(5, ge=1, le=MAX_K)) -> list[ContentRecommendationPublic]:
    """Content assets this deal's buyers have not seen, best first, with the reasons."""
    return _public(recommend_for(session, scope, "opportunity", opportunity_id, now, k,
                                 app_cache(request.app.state)))


@router.get("/drafts/templates", response_model=list[DraftTemplatePublic])
def draft_templates(request: Request, _user: CurrentUser) -> list[DraftTemplatePublic]:
    """The cadence's templates (the user's folder overrides the shipped ones)."""
    return [DraftTemplatePublic.model_validate(t.__dict__) for t in list_templates(request.app.state.settings)]


@router.post("/drafts/render", response_model=DraftPublic)
def render(body: DraftRender, request: Request, session: SessionDep, scope: ScopeDep, now: NowDep) -> DraftPublic:
    """Render a template for one lead or contact; nothing is sent (the rep reviews and edits it first)."""
    draft = render_draft(session, scope, request.app.state.settings, body.template, now, lead_id=body.lead_id,
                         contact_id=body.contact_id, use_writer=body.use_writer,
                         cache=app_cache(request.app.state))
    return draft_public(draft)
