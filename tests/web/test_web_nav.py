"""Capability pages extend the navigation bar; role-limited items stay hidden from others."""

from __future__ import annotations

from typing import Callable

from fastapi.testclient import TestClient

from salesmind.data.models import Role
from salesmind.web import NavItem, add_nav_item
from salesmind.web.nav import DEFAULT_NAV, links_to_page

Login = Callable[[str], TestClient]


def test_added_items_show_in_order_and_by_role(login: Login) -> None:
    client = login("ann")
    add_nav_item(client.app, NavItem("Scores", "/scores"), before="Contacts")
    add_nav_item(client.app, NavItem("Forecast", "/forecast", roles=frozenset({Role.MANAGER, Role.ADMIN})))
    html = client.get("/").text
    assert html.index('href="/opportunities"') < html.index('href="/scores"') < html.index('href="/contacts"')
    assert 'href="/forecast"' not in html


def test_timeline_links_only_to_pages_that_exist() -> None:
    items = list(DEFAULT_NAV)
    assert links_to_page(items, "/leads/3")
    assert not links_to_page(items, "/calls/7")
    assert links_to_page(items + [NavItem("Calls", "/calls")], "/calls/7")
    assert not links_to_page(items, None)


def test_grouped_items_become_menus_after_the_plain_links(login: Login) -> None:
    from salesmind.web.nav import NavMenu, nav_entries

    items = [NavItem("Home", "/"), NavItem("Calls", "/calls", group="Insights"), NavItem("Leads", "/leads"),
             NavItem("Tasks", "/tasks", group="Engage"), NavItem("Risks", "/deals/risks", group="Insights")]
    entries = nav_entries(items)
    assert [e.label for e in entries] == ["Home", "Leads", "Insights", "Engage"]
    insights = entries[2]
    assert isinstance(insights, NavMenu) and [i.label for i in insights.items] == ["Calls", "Risks"]
    assert insights.is_active("/deals/risks") and not insights.is_active("/tasks")
    client = login("ann")
    add_nav_item(client.app, NavItem("Playbooks", "/playbooks", group="Engage"))
    html = client.get("/").text
    menu = html[html.index('<div class="nav-menu'):]
    assert "Engage" in menu and 'href="/playbooks"' in menu
