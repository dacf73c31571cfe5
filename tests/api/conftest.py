"""A small company for API tests: two teams, their managers, two reps, an admin, and a book each."""

from __future__ import annotations

from typing import Iterator

import pytest
from fastapi.testclient import TestClient

from salesmind.api.app import create_app
from salesmind.core.db import Database
from salesmind.core.settings import Settings
from salesmind.core.timeutil import FixedClock

from api_world import NOW, World, build_world


@pytest.fixture
def world(database: Database) -> World:
    """East (boss: ann) and West (other_boss: bob), an admin; each rep owns one record of each kind."""
    return build_world(database)


@pytest.fixture
def app(settings: Settings, database: Database):  # type: ignore[no-untyped-def]
    """The app on the test database with a fixed clock."""
    return create_app(settings, database=database, clock=FixedClock(NOW))


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """An anonymous client."""
    with TestClient(app) as c:
        yield c


@pytest.fixture
def as_user(app, world: World):  # type: ignore[no-untyped-def]
    """``as_user("ann")``: a client that sends that person's API key."""
    made: list[TestClient] = []

    def make(name: str) -> TestClient:
        c = TestClient(app, headers={"Authorization": f"Bearer {world.keys[name]}"})
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()
