"""The lead page's Recommended content panel and the /drafts page (editable draft, count, nothing sent)."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from salesmind.core.db import Database
from salesmind.data.models import ContentAsset


def _library(database: Database) -> None:
    with database.transaction() as s:
        s.add_all([ContentAsset(title="Manufacturing story", kind="case_study", url="https://x/m",
                                industry="Manufacturing"),
                   ContentAsset(title="Banking story", kind="case_study", industry="Banking"),
                   ContentAsset(title="Pipeline playbook", kind="ebook")])


def test_lead_page_panel(database: Database, book, login: Callable[[str], TestClient]) -> None:  # type: ignore[no-untyped-def]
    client = login("ann")
    empty = client.get(f"/leads/{book.ann_lead}").text
    assert "Recommended content" in empty and "the content library is empty" in empty
    _library(database)
    page = client.get(f"/leads/{book.ann_lead}").text
    panel = page[page.index('id="recommended-content"'):]
    assert panel.index("Manufacturing story") < panel.index("Pipeline playbook") < panel.index("Banking story")
    assert f'href="/drafts?lead_id={book.ann_lead}"' in panel


def test_drafts_page(database: Database, book, login: Callable[[str], TestClient]) -> None:  # type: ignore[no-untyped-def]
    _library(database)
    client = login("ann")
    start = client.get("/drafts").text
    assert "Nothing is sent from this page" in start and 'value="content_share"' in start and "Liam Lopez" in start
    page = client.get("/drafts", params={"lead_id": book.ann_lead, "template": "content_share"}).text
    body = re.search(r'<textarea id="draft-body"[^>]*>(.*?)</textarea>', page, re.DOTALL).group(1)
    assert body.startswith("Hi Liam,") and "- Manufacturing story: https://x/m" in body
    count = re.search(r'id="personalisation-count">(\d+) personalised<', page)
    assert count and int(count.group(1)) >= 4
    assert 'value="Manufacturing story"' in page  # the subject, in an editable field
    assert re.search(r"<button[^>]*>\s*Send", page) is None  # no fake send button
    other = client.get("/drafts", params={"lead_id": book.bob_lead, "template": "intro"}).text
    assert f"lead {book.bob_lead} not found" in other and "draft-body" not in other
    assert client.get("/drafts", params={"template": "../etc"}).status_code == 422
