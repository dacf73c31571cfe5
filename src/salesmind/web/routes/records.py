"""List and record pages for leads, accounts, opportunities and contacts, all through the viewer's scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from salesmind.data import dashboard
from salesmind.data.models import Account, Contact, Opportunity
from salesmind.data.records import count_records, list_records, timeline
from salesmind.web.deps import Page, PageDep
from salesmind.web.routes.content import content_panel
from salesmind.web.routes.deals import health_panel
from salesmind.web.routes.discounts import discount_panel
from salesmind.web.score_panel import score_panel

PAGE_SIZE = 25


@dataclass(frozen=True)
class Section:
    """One record kind as the web shows it."""

    kind: str
    path: str
    title: str
    search_hint: str


SECTIONS = (
    Section("lead", "/leads", "Leads", "name, email or company"),
    Section("account", "/accounts", "Accounts", "name, domain or industry"),
    Section("opportunity", "/opportunities", "Opportunities", "name, stage or competitor"),
    Section("contact", "/contacts", "Contacts", "name, email or title"),
)
SECTION_BY_KIND = {s.kind: s for s in SECTIONS}


def record_url(kind: str, record_id: int) -> str:
    """The page of one record."""
    return f"{SECTION_BY_KIND[kind].path}/{record_id}"


def _lead_links(page: Page, lead: Any) -> dict[str, Any]:
    s = page.session
    return {
        "account": _visible(page, s.get(Account, lead.account_id) if lead.account_id else None),
        "converted_contact": _visible(page, s.get(Contact, lead.converted_contact_id)
                                      if lead.converted_contact_id else None),
        "converted_opportunity": _visible(page, s.get(Opportunity, lead.converted_opportunity_id)
                                          if lead.converted_opportunity_id else None),
        "score": score_panel(page, "lead", lead.id),
        "content": content_panel(page, lead),
    }


def _account_links(page: Page, account: Any) -> dict[str, Any]:
    return {
        "contacts": dashboard.account_contacts(page.session, page.scope, account.id),
        "deals": dashboard.account_opportunities(page.session, page.scope, account.id),
    }


def _opportunity_links(page: Page, deal: Any) -> dict[str, Any]:
    return {"contacts": dashboard.opportunity_contacts(page.session, page.scope, deal.id),
            "history": list(reversed(deal.history)), "score": score_panel(page, "opportunity", deal.id),
            "health": health_panel(page, deal.id),
            "discount": discount_panel(page, deal.id, deal.outcome.value == "open")}


def _contact_links(page: Page, contact: Any) -> dict[str, Any]:
    return {"deals": dashboard.contact_opportunities(page.session, page.scope, contact.id)}


_LINKS: dict[str, Callable[[Page, Any], dict[str, Any]]] = {
    "lead": _lead_links, "account": _account_links, "opportunity": _opportunity_links, "contact": _contact_links,
}


def _visible(page: Page, record: Any) -> Any:
    return record if record is not None and page.scope.can_see(record.owner_id) else None


def _list_page(section: Section) -> Callable[..., HTMLResponse]:
    def list_page(page: PageDep, q: str = Query("", max_length=200),
                  p: int = Query(1, ge=1, le=100_000, alias="page")) -> HTMLResponse:
        search = q.strip() or None
        rows = list_records(page.session, page.scope, section.kind, search=search,
                            limit=PAGE_SIZE + 1, offset=(p - 1) * PAGE_SIZE)
        total = None if search else count_records(page.session, page.scope, section.kind)
        return page.render(f"lists/{section.kind}.html", section=section, rows=rows[:PAGE_SIZE], q=q.strip(),
                           page_no=p, has_next=len(rows) > PAGE_SIZE, total=total,
                           first=(p - 1) * PAGE_SIZE + 1)

    list_page.__name__ = f"{section.kind}_list"
    return list_page


def _record_page(section: Section) -> Callable[..., HTMLResponse]:
    def record_page(page: PageDep, record_id: int) -> HTMLResponse:
        record = page.record(section.kind, record_id)
        return page.render(f"records/{section.kind}.html", section=section, record=record,
                           timeline=timeline(page.session, page.scope, section.kind, record_id),
                           **_LINKS[section.kind](page, record))

    record_page.__name__ = f"{section.kind}_page"
    return record_page


router = APIRouter()
for _section in SECTIONS:
    router.add_api_route(_section.path, _list_page(_section), methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(f"{_section.path}/{{record_id:int}}", _record_page(_section), methods=["GET"],
                         response_class=HTMLResponse)
