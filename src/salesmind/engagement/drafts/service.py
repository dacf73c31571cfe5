"""Draft a message for one visible lead or contact: slots from the CRM, a template, optionally the writer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from salesmind.core.errors import UserInputError
from salesmind.core.settings import Settings
from salesmind.data.records import get_record
from salesmind.data.scope import Scope
from salesmind.engagement.content import ContentRecommender, RecommenderCache
from salesmind.engagement.drafts.context import contact_slots, lead_slots
from salesmind.engagement.drafts.library import Draft, TemplateInfo, TemplateLibrary
from salesmind.engagement.writer import DraftWriter, WriterConfig


def template_library(settings: Settings) -> TemplateLibrary:
    """The shipped templates overridden by ``SALESMIND_DRAFT_TEMPLATES`` when set."""
    return TemplateLibrary(settings.draft_templates_dir or None)


def list_templates(settings: Settings) -> list[TemplateInfo]:
    """Every template a draft can use, in cadence order."""
    return template_library(settings).templates()


def render_draft(session: Session, scope: Scope, settings: Settings, template: str, now: datetime, *,
                 lead_id: int | None = None, contact_id: int | None = None, use_writer: bool = False,
                 writer: DraftWriter | None = None, cache: RecommenderCache | None = None) -> Draft:
    """The draft of ``template`` for one lead or contact (exactly one), rewritten by the writer when asked."""
    if (lead_id is None) == (contact_id is None):
        raise UserInputError("give exactly one of a lead id or a contact id")
    library = template_library(settings)
    library.file_for(template)  # an unknown template is reported before any CRM work
    model = _recommender(session, now, cache)
    if lead_id is not None:
        slots = lead_slots(session, get_record(session, scope, "lead", lead_id), now, model)
    else:
        slots = contact_slots(session, get_record(session, scope, "contact", contact_id), now, model)
    draft = library.render(template, slots)
    if not use_writer:
        return draft
    return (writer or DraftWriter(WriterConfig.from_settings(settings))).rewrite(draft)


def _recommender(session: Session, now: datetime, cache: RecommenderCache | None) -> ContentRecommender | None:
    """The content model for the draft's recommended-content slot (None when there is no content library)."""
    try:
        return cache.get(session, now) if cache is not None else ContentRecommender().fit(session, now)
    except UserInputError:
        return None
