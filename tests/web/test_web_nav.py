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
