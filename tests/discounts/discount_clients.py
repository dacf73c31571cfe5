"""Logged-in test clients on the discount world (the login cookie serves both pages and the REST API)."""

from __future__ import annotations

from discount_world import NOW, PASSWORD
from fastapi.testclient import TestClient

from salesmind.api import create_app
from salesmind.core.db import Database
from salesmind.core.timeutil import FixedClock

_app: list = []  # [(database, app)] of the last database asked for


def log_in(database: Database, who: str) -> TestClient:
    """A client logged in as ``who`` (admin, mia, ann or bob) at the world's fixed time (one app per database)."""
    if not _app or _app[0][0] is not database:
        _app[:] = [(database, create_app(database.settings, database=database, clock=FixedClock(NOW)))]
    client = TestClient(_app[0][1])
    response = client.post("/login", data={"email": f"{who}@d.io", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client
