"""The navigation bar: one list per app, which capability pages extend with :func:`add_nav_item`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fastapi import FastAPI

from salesmind.data.models import Role


class HasRole(Protocol):
    """Anything with a role: a user or a viewer snapshot."""

    role: Role


#: Menus of the navigation bar, in the order they appear after the plain links before them.
INSIGHTS, ENGAGE, MANAGE = "Insights", "Engage", "Manage"


@dataclass(frozen=True)
class NavItem:
    """A link in the navigation bar, shown to the given roles (all roles when empty); with a ``group``, it sits
    in that menu of the bar instead of on the bar itself."""

    label: str
    path: str
    roles: frozenset[Role] = frozenset()
    group: str = ""

    def visible_to(self, user: HasRole | None) -> bool:
        """True when ``user`` should see this item."""
        return user is not None and (not self.roles or user.role in self.roles)

    def is_active(self, path: str) -> bool:
        """True when the current page ``path`` lies under this item."""
        if self.path == "/":
            return path == "/"
        return path == self.path or path.startswith(self.path.rstrip("/") + "/")


#: The shell's own pages; Scores, Forecast, Customers, Calls, ... are added by their capabilities.
DEFAULT_NAV = (
    NavItem("Home", "/"),
    NavItem("Leads", "/leads"),
    NavItem("Accounts", "/accounts"),
    NavItem("Opportunities", "/opportunities"),
    NavItem("Contacts", "/contacts"),
)


def init_nav(app: FastAPI) -> None:
    """Give ``app`` its navigation list, starting from :data:`DEFAULT_NAV`."""
    app.state.nav_items = list(DEFAULT_NAV)


def add_nav_item(app: FastAPI, item: NavItem, *, before: str | None = None) -> None:
    """Add a capability page to the bar, at the end or before the item labelled ``before``."""
    items: list[NavItem] = app.state.nav_items
    labels = [i.label for i in items]
    items.insert(labels.index(before) if before in labels else len(items), item)


def nav_for(app: FastAPI, user: HasRole | None) -> list[NavItem]:
    """The items ``user`` sees."""
    return [i for i in app.state.nav_items if i.visible_to(user)]


@dataclass(frozen=True)
class NavMenu:
    """A menu of the bar: its label and items (drawn after the plain links)."""

    label: str
    items: tuple[NavItem, ...]

    def is_active(self, path: str) -> bool:
        """True when the current page lies under one of its items."""
        return any(i.is_active(path) for i in self.items)


def nav_entries(items: list[NavItem]) -> list[NavItem | NavMenu]:
    """The bar as drawn: the plain items in order, then one menu per group (in the order groups first appear)."""
    plain = [i for i in items if not i.group]
    groups: dict[str, list[NavItem]] = {}
    for item in items:
        if item.group:
            groups.setdefault(item.group, []).append(item)
    return [*plain, *(NavMenu(label, tuple(members)) for label, members in groups.items())]


def links_to_page(items: list[NavItem], link: str | None) -> bool:
    """True when ``link`` lies under a page in the bar (so timeline links to pages not built yet stay text)."""
    return bool(link) and any(i.path != "/" and i.is_active(link) for i in items)  # type: ignore[arg-type]
