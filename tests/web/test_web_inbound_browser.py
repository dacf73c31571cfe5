"""Chromium copies the embeddable form from the Inbound page, fills it in on another page and sends it; the
worker delivers the first reply to a loopback SMTP server within the target."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta
from typing import Any, Iterator

import pytest

from salesmind.api import create_app
from salesmind.core.db import Database
from salesmind.core.settings import MailSettings
from salesmind.data.models import InboundSubmission, Role
from salesmind.data.users import create_user
from salesmind.engagement.inbound import create_rule, run_inbound_worker
from salesmind.engagement.mail.loopback import LoopbackSMTP
from salesmind.engagement.mail.transport import SMTPTransport

from test_web_browser import CHROMIUM, CHROMIUM_ARGS, _require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # about 6 s: a browser, a server and a mail server
PASSWORD = "correct horse battery"


@pytest.fixture
def served(sqlite_database: Database) -> Iterator[tuple[str, LoopbackSMTP, Database]]:
    """The app under uvicorn (real clock), mail to a loopback server, the inbound worker running."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    smtp = LoopbackSMTP().start()
    db = sqlite_database
    db.settings = db.settings.with_overrides(mail=MailSettings(
        smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none", from_address="sales@seller.example",
        public_url=base, per_minute=0))
    with db.transaction() as s:
        create_user(s, "root@seller.example", "Root", Role.ADMIN, password=PASSWORD)
        rep = create_user(s, "eve@seller.example", "Eve", Role.REP)
        create_rule(s, name="Everyone", kind="round_robin", assignee_ids=[rep.id])
    server = uvicorn.Server(uvicorn.Config(create_app(db.settings, database=db), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    stop = threading.Event()
    transport = SMTPTransport("127.0.0.1", smtp.port, security="none", timeout=5)
    worker = threading.Thread(target=run_inbound_worker, args=(db, transport, stop, 0.2), daemon=True)
    worker.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield base, smtp, db
    finally:
        stop.set()
        server.should_exit = True
        thread.join(timeout=10)
        worker.join(timeout=10)
        smtp.stop()
        sock.close()


def test_the_embedded_form_gets_a_reply_within_the_target(served: tuple[str, LoopbackSMTP, Database]) -> None:
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    base, smtp, db = served
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{base}/login?next=/inbound")
            page.fill("input[name=email]", "root@seller.example")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{base}/inbound")
            snippet = page.locator("#form-snippet").input_value()
            visitor = browser.new_page()  # the company's website, somewhere else
            visitor.set_content(f"<html><body><h1>Talk to us</h1>{snippet}</body></html>")
            visitor.fill("input[name=first_name]", "Lea")
            visitor.fill("input[name=email]", "lea@buyer.example")
            visitor.fill("input[name=company]", "Buyer GmbH")
            visitor.fill("textarea[name=message]", "Can you forecast renewals?")
            visitor.check("input[name=consent]")
            visitor.click("button[type=submit]")
            expect(visitor.locator("h1")).to_have_text("Thank you")
        finally:
            browser.close()
    deadline = time.monotonic() + 10
    while not smtp.received and time.monotonic() < deadline:
        time.sleep(0.05)
    [got] = smtp.received
    assert got.rcpt_tos == ["lea@buyer.example"] and "Can you forecast renewals?" in got.message.get_body(
        ("plain",)).get_content()
    with db.transaction() as s:
        [sub] = s.query(InboundSubmission).all()
        assert sub.source == "form" and sub.payload["company"] == "Buyer GmbH" and "website" not in sub.payload
    for _ in range(100):
        with db.transaction() as s:
            sub = s.get(InboundSubmission, sub.id)
        if sub.reply_sent_at is not None:
            break
        time.sleep(0.05)
    assert sub.reply_sent_at is not None and sub.reply_sent_at - sub.received_at < timedelta(minutes=5)
