"""The server-rendered web shell: login, navigation, home page and record pages, on the shared scope.

Capability pages add themselves to the navigation bar with :func:`add_nav_item` and render
with :class:`Page` (``PageDep``), so they get the login redirect, the scope and the 404 page for free.
"""

from salesmind.web.deps import Page, PageDep, PageNotFound
from salesmind.web.mount import mount_web
from salesmind.web.nav import NavItem, add_nav_item

__all__ = ["NavItem", "Page", "PageDep", "PageNotFound", "add_nav_item", "mount_web"]
