"""The lead page's "Recommended content" panel and the /drafts page (pick a lead and a template, edit the draft).

Nothing is sent from here: sending comes with the cadence engine. The panel and the page read
through the viewer's scope, like the API and the CLI, from the same service functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import HTMLResponse

from salesmind.core.errors import SalesmindError
from salesmind.data.records import list_records
from salesmind.engagement.content import Recommendation, app_cache, recommend_for
from salesmind.engagement.drafts import Draft, list_templates, render_draft
from salesmind.web.deps import PageDep
from salesmind.web.nav import ENGAGE, NavItem, add_nav_item

router = APIRouter()


def add_content_nav(app: FastAPI) -> None:
    """Put Drafts (write a personalised email for a lead) in the Engage menu."""
    add_nav_item(app, NavItem("Drafts", "/drafts", group=ENGAGE))
PANEL_K = 3
LEAD_CHOICES = 200


@dataclass
class ContentPanel:
    """What the lead page shows under "Recommended content"."""

    lead_id: int
    items: list[Recommendation] = field(default_factory=list)
    note: str | None = None


def content_panel(page: Any, lead: Any) -> ContentPanel:
    """The top content picks for a lead on its page (a note instead when there is no content library)."""
    try:
        state = page.request.app.state
        items = recommend_for(page.session, page.scope, "lead", lead.id, state.clock.now(), PANEL_K, app_cache(state))
    except SalesmindError as exc:
        return ContentPanel(lead.id, note=str(exc))
    return ContentPanel(lead.id, items=items)


@router.get("/drafts", response_class=HTMLResponse)
def drafts_page(page: PageDep, lead_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                template: Annotated[str, Query(max_length=64, pattern="^[a-z0-9_]*$")] = "",
                writer: bool = False) -> HTMLResponse:
    """Pick a lead and a template; the draft is shown in editable fields with its personalisation count."""
    settings = page.request.app.state.settings
    draft: Draft | None = None
    templates: list[Any] = []
    error = None
    try:
        templates = list_templates(settings)
        if lead_id is not None and template:
            draft = render_draft(page.session, page.scope, settings, template, page.request.app.state.clock.now(),
                                 lead_id=lead_id, use_writer=writer, cache=app_cache(page.request.app.state))
    except SalesmindError as exc:
        error = str(exc)
    leads = list_records(page.session, page.scope, "lead", limit=LEAD_CHOICES)
    if lead_id is not None and all(lead.id != lead_id for lead in leads) and draft is not None:
        leads.insert(0, page.record("lead", lead_id))
    return page.render("content/drafts.html", templates=templates, leads=leads, lead_id=lead_id,
                       chosen=template or (templates[0].name if templates else ""), draft=draft, error=error,
                       writer=writer, writer_configured=bool(settings.writer_base_url and settings.writer_model))
