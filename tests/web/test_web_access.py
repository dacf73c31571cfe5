"""A rep's pages show only their own book: other reps' records are 404 and absent from lists."""

from __future__ import annotations

from typing import Callable

import pytest
from fastapi.testclient import TestClient

Login = Callable[[str], TestClient]


@pytest.mark.parametrize("section,field", [
    ("leads", "bob_lead"), ("accounts", "bob_account"), ("opportunities", "bob_deal"), ("contacts", "bob_contact"),
])
def test_rep_gets_404_on_another_reps_record(login: Login, book: object, section: str, field: str) -> None:
    client = login("ann")
    response = client.get(f"/{section}/{getattr(book, field)}")
    assert response.status_code == 404
    assert "Globex" not in response.text and "Olsen" not in response.text and "Gold" not in response.text
    assert client.get(f"/{section}/{getattr(book, field.replace('bob', 'ann'))}").status_code == 200


@pytest.mark.parametrize("path", ["/", "/leads", "/accounts", "/opportunities", "/contacts",
                                  "/leads?q=o", "/accounts?q=globex"])
def test_lists_and_home_hide_other_reps_records(login: Login, path: str) -> None:
    html = login("ann").get(path).text
    for text in ("Globex", "Otto", "Gina", "8,000.00 USD", "Bob Baker"):
        assert text not in html, (path, text)


def test_admin_opens_every_record(login: Login, book: object) -> None:
    client = login("ada")
    for section, field in (("leads", "bob_lead"), ("accounts", "bob_account"),
                           ("opportunities", "bob_deal"), ("contacts", "bob_contact")):
        assert client.get(f"/{section}/{getattr(book, field)}").status_code == 200
