"""Users and teams: admins manage them, everyone else gets 403."""

from __future__ import annotations

import pytest
from api_world import World


def test_admin_creates_lists_and_changes_users(as_user, client, world: World) -> None:
    admin = as_user("admin")
    teams = {t["name"]: t["id"] for t in admin.get("/api/teams").json()}
    made = admin.post("/api/users", json={"email": "Cy@x.io", "name": "Cy", "role": "rep",
                                          "team_id": teams["East"], "password": "long enough"})
    assert made.status_code == 201 and made.json()["email"] == "cy@x.io"
    assert "password" not in made.text
    assert "cy@x.io" in {u["email"] for u in admin.get("/api/users").json()}
    changed = admin.patch(f"/api/users/{made.json()['id']}", json={"role": "manager", "team_id": None})
    assert changed.json()["role"] == "manager" and changed.json()["team_id"] is None
    login = client.post("/api/auth/login", json={"email": "cy@x.io", "password": "long enough"})
    assert login.status_code == 200


@pytest.mark.parametrize("body", [
    {"email": "ann@x.io", "name": "Dup"},
    {"email": "new@x.io", "name": "N", "password": "short"},
    {"email": "new@x.io", "name": "N", "team_id": 9999},
    {"email": "new@x.io", "name": "N", "timezone": "America"},
    {"email": "new@x.io", "name": "N", "timezone": "Mars/Base"},
    {"email": "new@x.io", "name": "N", "role": "overlord"},
    {"email": "no-at-sign", "name": "N"},
])
def test_bad_users_are_refused_with_422(as_user, world: World, body: dict) -> None:
    response = as_user("admin").post("/api/users", json=body)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("who", ["ann", "boss"])
def test_only_admins_manage_users(as_user, world: World, who: str) -> None:
    caller = as_user(who)
    assert caller.get("/api/users").status_code == 403
    assert caller.post("/api/users", json={"email": "z@x.io", "name": "Z"}).status_code == 403
    assert caller.patch(f"/api/users/{world.users[who]}", json={"role": "admin"}).status_code == 403
    assert caller.post("/api/teams", json={"name": "Mine"}).status_code == 403
    assert {t["name"] for t in caller.get("/api/teams").json()} == {"East", "West"}


def test_admin_creates_teams(as_user, world: World) -> None:
    admin = as_user("admin")
    made = admin.post("/api/teams", json={"name": "North", "manager_id": world.users["boss"]})
    assert made.status_code == 201 and made.json()["manager_id"] == world.users["boss"]
    assert admin.post("/api/teams", json={"name": "North"}).status_code == 422
    assert admin.post("/api/teams", json={"name": "South", "manager_id": world.users["ann"]}).status_code == 422
