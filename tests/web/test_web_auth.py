"""Logging in and out through the form, and the redirect to it."""

from __future__ import annotations

from typing import Callable

import pytest
from fastapi.testclient import TestClient

from salesmind.web.routes.auth import safe_next


@pytest.mark.parametrize("path", ["/", "/leads", "/accounts/1", "/opportunities?page=2", "/contacts/3"])
def test_pages_redirect_to_login_with_next(client: TestClient, book: object, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path.replace('?', '%3F').replace('=', '%3D')}"


def test_login_form_renders(client: TestClient) -> None:
    response = client.get("/login?next=/leads")
    assert response.status_code == 200
    assert '<form method="post" action="/login"' in response.text
    assert 'name="next" value="/leads"' in response.text


def test_login_goes_to_next_and_sets_session(client: TestClient, book: object) -> None:
    response = client.post("/login", data={"email": "ANN@salesmind.test ", "password": book.password,
                                           "next": "/leads"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/leads"
    assert "salesmind_session" in client.cookies
    page = client.get("/leads")
    assert page.status_code == 200 and "Ann Archer" in page.text


def test_wrong_password_shows_error_not_traceback(client: TestClient, book: object) -> None:
    response = client.post("/login", data={"email": "ann@salesmind.test", "password": "nope-nope"})
    assert response.status_code == 401
    assert "Wrong email or password" in response.text
    assert 'value="ann@salesmind.test"' in response.text
    assert "Traceback" not in response.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_unknown_user_and_empty_form_are_refused(client: TestClient, book: object) -> None:
    assert client.post("/login", data={"email": "who@x.io", "password": "whatever1"}).status_code == 401
    assert client.post("/login", data={}).status_code == 401


def test_logged_in_user_skips_login_form(login: Callable[[str], TestClient]) -> None:
    client = login("ann")
    response = client.get("/login?next=/contacts", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/contacts"


@pytest.mark.parametrize("method", ["get", "post"])
def test_logout_ends_the_session(login: Callable[[str], TestClient], method: str) -> None:
    client = login("ann")
    response = getattr(client, method)("/logout", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_never_redirects_off_site(client: TestClient, book: object) -> None:
    response = client.post("/login", data={"email": "ann@salesmind.test", "password": book.password,
                                           "next": "https://evil.example/"}, follow_redirects=False)
    assert response.headers["location"] == "/"


@pytest.mark.parametrize("given,expected", [
    ("/leads/1?x=2", "/leads/1?x=2"), (None, "/"), ("", "/"), ("//evil.example", "/"),
    ("https://evil.example", "/"), ("/\\evil.example", "/"), ("leads", "/"),
])
def test_safe_next(given: str | None, expected: str) -> None:
    assert safe_next(given) == expected
