"""Login sessions, API keys and the caller's profile."""

from __future__ import annotations

from api_world import PASSWORD, World


def test_login_cookie_opens_the_api_and_logout_closes_it(client, world: World) -> None:
    response = client.post("/api/auth/login", json={"email": "ANN@x.io ", "password": PASSWORD})
    assert response.status_code == 200 and response.json()["id"] == world.users["ann"]
    assert "password" not in response.text and "salesmind_session" in response.cookies
    assert client.get("/api/me").json()["email"] == "ann@x.io"
    assert client.get("/api/leads").json()["total"] == 1
    assert client.post("/api/auth/logout").status_code == 204
    assert client.get("/api/me").status_code == 401


def test_wrong_password_or_unknown_user_is_401_with_the_same_message(client, world: World) -> None:
    wrong = client.post("/api/auth/login", json={"email": "ann@x.io", "password": "not it at all"})
    unknown = client.post("/api/auth/login", json={"email": "who@x.io", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"error": "AuthenticationFailed", "message": "wrong email or password"}
    assert client.get("/api/me").status_code == 401


def test_user_without_password_cannot_log_in(client, world: World) -> None:
    assert client.post("/api/auth/login", json={"email": "bob@x.io", "password": ""}).status_code == 422
    assert client.post("/api/auth/login", json={"email": "bob@x.io", "password": "anything"}).status_code == 401


def test_api_key_is_shown_once_works_in_both_headers_and_dies_when_revoked(client, as_user, world: World) -> None:
    ann = as_user("ann")
    made = ann.post("/api/me/api-keys", json={"name": "sync"})
    assert made.status_code == 201
    key, key_id = made.json()["key"], made.json()["id"]
    listed = ann.get("/api/me/api-keys").json()
    assert {k["id"] for k in listed} == {key_id, world.key_ids["ann"]} and key not in str(listed)
    assert client.get("/api/me", headers={"X-API-Key": key}).json()["id"] == world.users["ann"]
    assert client.get("/api/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert ann.delete(f"/api/me/api-keys/{key_id}").status_code == 204
    assert client.get("/api/me", headers={"X-API-Key": key}).status_code == 401
    assert client.get("/api/leads", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    assert next(k for k in ann.get("/api/me/api-keys").json() if k["id"] == key_id)["revoked_at"]


def test_bad_keys_are_401_and_others_keys_cannot_be_revoked(client, as_user, world: World) -> None:
    for bad in ("nonsense", "sm_", "sm_abc_def", world.keys["ann"] + "x"):
        assert client.get("/api/me", headers={"X-API-Key": bad}).status_code == 401
    assert as_user("ann").delete(f"/api/me/api-keys/{world.key_ids['bob']}").status_code == 404
    assert client.get("/api/me", headers={"X-API-Key": world.keys["bob"]}).status_code == 200


def test_deactivated_user_is_locked_out(as_user, client, world: World) -> None:
    assert as_user("admin").patch(f"/api/users/{world.users['ann']}", json={"is_active": False}).status_code == 200
    assert client.get("/api/me", headers={"X-API-Key": world.keys["ann"]}).status_code == 401
    assert client.post("/api/auth/login", json={"email": "ann@x.io", "password": PASSWORD}).status_code == 401
