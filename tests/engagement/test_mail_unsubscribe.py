"""Unsubscribe links: signed tokens that refuse tampering, the public pages, one-click from a delivered message."""

from __future__ import annotations

from typing import Iterator

import pytest
from fastapi.testclient import TestClient

from salesmind.api.app import create_app
from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.core.timeutil import FixedClock
from salesmind.data.models import Contact, Lead
from salesmind.data.models.outreach import Suppression
from salesmind.engagement.mail.loopback import LoopbackSMTP
from salesmind.engagement.mail.outbox import deliver, enqueue
from salesmind.engagement.mail.suppression import address_hash, can_email, is_suppressed
from salesmind.engagement.mail.unsubscribe import make_token, read_token

from mail_world import FAST_RETRY, NOW, People, mail_db, people, rng, smtp, transport  # noqa: F401

SECRET = "test-secret"


@pytest.fixture
def client(mail_db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(mail_db.settings, database=mail_db, clock=FixedClock(NOW))) as c:
        yield c


def test_addresses_are_hashed_trimmed_and_lower_cased() -> None:
    import hashlib

    assert address_hash(" Ann <ANN@X.io> ") == hashlib.sha256(b"ann@x.io").hexdigest()
    with pytest.raises(UserInputError):
        address_hash("ann@")


def test_a_token_reads_back_its_target() -> None:
    target = read_token(SECRET, make_token(SECRET, "Lea@Buyer.example", lead_id=12))
    assert (target.email_hash, target.kind, target.record_id) == (address_hash("lea@buyer.example"), "lead", 12)
    assert read_token(SECRET, make_token(SECRET, "x@y.io")).kind is None


def _flip(ch: str) -> str:
    return "0" if ch != "0" else "1"


@pytest.mark.parametrize("tamper", ["hash", "record", "signature", "secret", "purpose", "truncated", "empty"])
def test_a_changed_or_foreign_token_is_refused(tamper: str) -> None:
    token = make_token(SECRET, "lea@buyer.example", lead_id=12)
    payload, signature = token.rsplit(".", 1)
    forged = {
        "hash": _flip(payload[0]) + token[1:],
        "record": token.replace(":lead:12.", ":lead:13."),
        "signature": f"{payload}.{_flip(signature[0])}{signature[1:]}",
        "secret": make_token("another-secret", "lea@buyer.example", lead_id=12),
        "purpose": make_token(SECRET, "lea@buyer.example", lead_id=12, purpose="login"),
        "truncated": token[:-3],
        "empty": "",
    }[tamper]
    with pytest.raises(UserInputError, match="not valid"):
        read_token(SECRET, forged)


def test_the_link_in_a_delivered_message_unsubscribes_with_one_click(
        mail_db: Database, smtp: LoopbackSMTP, people: People, client: TestClient) -> None:
    with mail_db.transaction() as s:
        s.add(Contact(first_name="Twin", email="LEA@buyer.example", consent_email=True))
        enqueue(s, idempotency_key="k", to="lea@buyer.example", subject="Hi", text="Hello", lead_id=people.lead,
                send_after=NOW, settings=mail_db.settings)
    deliver(mail_db, transport(mail_db.settings), now=NOW, policy=FAST_RETRY, rng=rng())
    [got] = smtp.received
    link = got.message["List-Unsubscribe"].split(",")[0].strip(" <>")
    path = link.removeprefix("https://crm.seller.example")
    page = client.get(path)  # a GET (mail scanners follow links) only asks
    assert page.status_code == 200 and f'action="{path}"' in page.text
    with mail_db.transaction() as s:
        assert not is_suppressed(s, "lea@buyer.example")
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})  # RFC 8058 one-click POST
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    assert client.post(path).status_code == 200  # twice is harmless
    with mail_db.transaction() as s:
        assert is_suppressed(s, "lea@buyer.example")
        assert s.query(Suppression).count() == 1 and s.query(Suppression).one().reason == "unsubscribe"
        lead = s.get(Lead, people.lead)
        twin = s.query(Contact).filter(Contact.first_name == "Twin").one()
        assert lead.do_not_contact and twin.do_not_contact and not can_email(s, lead)
        again = enqueue(s, idempotency_key="k2", to="lea@buyer.example", subject="Hi", text="x",
                        lead_id=people.lead, settings=mail_db.settings)
        assert again.status == "suppressed"


@pytest.mark.parametrize("token", ["nonsense", "a" * 64 + ".bad", "%00", "x" * 3000])
def test_an_invalid_link_gets_a_clear_400_page_and_changes_nothing(client: TestClient, mail_db: Database,
                                                                    token: str) -> None:
    for method in (client.get, client.post):
        response = method(f"/u/{token}")
        assert response.status_code == 400 and "Link not valid" in response.text
    with mail_db.transaction() as s:
        assert s.query(Suppression).count() == 0
