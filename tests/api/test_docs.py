"""The API docs page works offline: every asset it loads is served by the app itself."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from salesmind.api import create_app
from salesmind.core.db import Database


def test_docs_page_loads_only_local_assets(sqlite_database: Database) -> None:
    client = TestClient(create_app(sqlite_database.settings, database=sqlite_database))
    page = client.get("/api/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: ?["']([^"']+)["']""", page.text)
    found = [u for pair in urls for u in pair if u]
    assert found and all(u.startswith("/") for u in found), found
    for url in found:
        assert client.get(url).status_code == 200, url
