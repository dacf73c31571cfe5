"""The call pages: the list of visible calls, and one call with its speaker timeline, metrics against the
published references, topics, next steps and sentiment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import HTMLResponse

from salesmind.conversations import call_views
from salesmind.core.errors import NotFound
from salesmind.web.call_charts import call_timeline
from salesmind.web.deps import PageDep, PageNotFound
from salesmind.web.nav import INSIGHTS, NavItem, add_nav_item

router = APIRouter()
PAGE_SIZE = 50
#: Gong's analysis of 25,537 calls: top sellers talk 43%; above 65% conversion drops; 11-14 questions on discovery.
REFERENCES = {"talk_ratio_top": 0.43, "talk_ratio_max": 0.65, "questions_low": 11, "questions_high": 14}


def add_calls_nav(app: FastAPI) -> None:
    """Put Calls (everyone: reps see their own calls) in the navigation bar, after Opportunities."""
    add_nav_item(app, NavItem("Calls", "/calls", group=INSIGHTS), before="Contacts")


@router.get("/calls", response_class=HTMLResponse)
def calls_page(page: PageDep, page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1) -> HTMLResponse:
    """Visible calls, newest first, with talk ratio and questions."""
    rows, total = call_views.call_list(page.session, page.scope, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    return page.render("calls/list.html", rows=rows, total=total, page_no=page_no,
                       has_next=page_no * PAGE_SIZE < total, refs=REFERENCES)


@router.get("/calls/{call_id:int}", response_class=HTMLResponse)
def call_page(page: PageDep, call_id: int) -> HTMLResponse:
    """One call: who spoke when, topics on the timeline, metrics against the references, next steps, sentiment."""
    try:
        detail = call_views.call_detail(page.session, page.scope, call_id)
    except NotFound as exc:
        raise PageNotFound(str(exc)) from None
    call, analysis = detail.call, detail.analysis
    roles = {p.speaker_label: str(p.role) for p in call.participants}
    topics = (analysis.topics or {}) if analysis else {}
    return page.render("calls/call.html", call=call, analysis=analysis, roles=roles, refs=REFERENCES,
                       metrics=analysis.metrics if analysis else {}, topics=topics,
                       sentiment=(analysis.sentiment or {}) if analysis else {},
                       timeline=call_timeline(call.utterances, roles, topics.get("topics")))
