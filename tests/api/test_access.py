"""Role-based access through every endpoint: a rep sees their book, a manager their team's, an admin all."""

from __future__ import annotations

from pathlib import Path
from tempfile import mkdtemp

import pytest

from salesmind.api.app import create_app
from salesmind.core.settings import Settings

from api_world import KINDS, World


def _id_operations() -> list[tuple[str, str]]:
    """(method, path) of every API operation that takes an ``{id}``, read from the app's own OpenAPI."""
    home = Path(mkdtemp())
    app = create_app(Settings(home=home, database_url=f"sqlite:///{home / 'x.db'}", secret_key="x"))
    paths = app.openapi()["paths"]
    return sorted((method.upper(), path) for path, ops in paths.items() if "{id}" in path for method in ops)


ID_OPERATIONS = _id_operations()
RECORD_OPERATIONS = [(m, p) for m, p in ID_OPERATIONS if p.split("/")[2] in KINDS]
OTHER_ID_OPERATIONS = [op for op in ID_OPERATIONS if op not in RECORD_OPERATIONS]


def test_every_record_kind_has_id_routes() -> None:
    assert {p.split("/")[2] for _, p in RECORD_OPERATIONS} == set(KINDS)
    assert len(RECORD_OPERATIONS) >= 4 * 5  # get, patch, delete, timeline, activities each


@pytest.mark.parametrize(("method", "path"), RECORD_OPERATIONS, ids=[f"{m} {p}" for m, p in RECORD_OPERATIONS])
def test_other_book_is_not_found_through_every_record_route(as_user, world: World, method: str, path: str) -> None:
    plural = path.split("/")[2]
    bobs = world.records[plural]["bob"]
    before = as_user("admin").get(f"/api/{plural}/{bobs}").json()
    for who in ("ann", "boss"):  # a rep of the other team, and the manager of the other team
        body = {"owner_id": world.users[who], "external_id": "stolen"} if method == "PATCH" else None
        response = as_user(who).request(method, path.replace("{id}", str(bobs)), json=body)
        expected = 403 if (method == "DELETE" and who == "ann") else 404
        assert response.status_code == expected, (who, response.text)
        assert "bob" not in response.text.lower()
    assert as_user("admin").get(f"/api/{plural}/{bobs}").json() == before  # nothing changed


@pytest.mark.parametrize(("method", "path"), OTHER_ID_OPERATIONS, ids=[f"{m} {p}" for m, p in OTHER_ID_OPERATIONS])
def test_no_other_id_route_shows_another_persons_things_to_a_rep(as_user, world: World, method: str,
                                                                 path: str) -> None:
    other = {"users": world.users["bob"], "me": world.key_ids["bob"]}[path.split("/")[2]]
    body = {"name": "stolen"} if method in ("PATCH", "POST") else None
    response = as_user("ann").request(method, path.replace("{id}", str(other)), json=body)
    assert response.status_code in (403, 404), response.text
    assert "bob" not in response.text.lower()


BOOKS = {"ann": {"ann"}, "bob": {"bob"}, "boss": {"ann"}, "other_boss": {"bob"}, "admin": {"ann", "bob"}}


@pytest.mark.parametrize("plural", KINDS)
def test_lists_show_exactly_the_callers_book(as_user, world: World, plural: str) -> None:
    for who, sees in BOOKS.items():
        page = as_user(who).get(f"/api/{plural}").json()
        assert {item["id"] for item in page["items"]} == {world.records[plural][rep] for rep in sees}, who
        assert page["total"] == len(sees)


@pytest.mark.parametrize("plural", KINDS)
def test_rep_reads_own_record_timeline_and_activities(as_user, world: World, plural: str) -> None:
    ann = as_user("ann")
    own = world.records[plural]["ann"]
    assert ann.get(f"/api/{plural}/{own}").status_code == 200
    assert "ann-secret-subject" in ann.get(f"/api/{plural}/{own}/timeline").text
    acts = ann.get(f"/api/{plural}/{own}/activities").json()
    assert [a["id"] for a in acts["items"]] == [world.activities["ann"]] and acts["total"] == 1


def test_anonymous_caller_gets_401_everywhere(client, world: World) -> None:
    for plural in KINDS:
        assert client.get(f"/api/{plural}").status_code == 401
        assert client.get(f"/api/{plural}/{world.records[plural]['ann']}").status_code == 401
    assert client.post("/api/activities", json=[]).status_code == 401


def test_rep_may_only_assign_records_to_themself(as_user, world: World) -> None:
    ann = as_user("ann")
    created = ann.post("/api/leads", json={"email": "new@lead.io"})
    assert created.status_code == 201 and created.json()["owner_id"] == world.users["ann"]
    assert ann.post("/api/leads", json={"email": "x@lead.io", "owner_id": world.users["bob"]}).status_code == 403
    own = world.records["leads"]["ann"]
    assert ann.patch(f"/api/leads/{own}", json={"owner_id": world.users["bob"]}).status_code == 403
    assert ann.patch(f"/api/leads/{own}", json={"owner_id": None}).status_code == 403


def test_manager_assigns_within_their_teams_only(as_user, world: World) -> None:
    boss = as_user("boss")
    made = boss.post("/api/accounts", json={"name": "Acme", "owner_id": world.users["ann"]})
    assert made.status_code == 201 and made.json()["owner_id"] == world.users["ann"]
    assert boss.post("/api/accounts", json={"name": "Acme 2", "owner_id": world.users["bob"]}).status_code == 403
    admin = as_user("admin").post("/api/accounts", json={"name": "Acme 3", "owner_id": world.users["bob"]})
    assert admin.status_code == 201


def test_links_to_records_outside_the_book_are_refused_without_leaking(as_user, world: World) -> None:
    ann = as_user("ann")
    bobs_account = world.records["accounts"]["bob"]
    response = ann.post("/api/contacts", json={"email": "c@new.io", "account_id": bobs_account})
    assert response.status_code == 422
    assert "bob" not in response.text.lower()
    missing = ann.post("/api/contacts", json={"email": "c@new.io", "account_id": 999_999})
    assert missing.status_code == 422 and missing.json()["message"] == response.json()["message"].replace(
        str(bobs_account), "999999")


def test_only_managers_and_admins_delete_and_only_in_scope(as_user, world: World) -> None:
    anns = world.records["leads"]["ann"]
    assert as_user("ann").delete(f"/api/leads/{anns}").status_code == 403
    assert as_user("other_boss").delete(f"/api/leads/{anns}").status_code == 404
    assert as_user("boss").delete(f"/api/leads/{anns}").status_code == 204
    assert as_user("admin").get(f"/api/leads/{anns}").status_code == 404
