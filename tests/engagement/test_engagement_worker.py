"""The engagement worker sends what the cadences and inbound forms queue, through real SMTP; the mail catcher
keeps what it receives and the Mailbox page shows it."""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from salesmind.api.app import create_app
from salesmind.core.db import Database
from salesmind.core.errors import NotFound
from salesmind.core.timeutil import utcnow
from salesmind.data.models import InboundSubmission, Lead, Role, Sequence, SequenceStep
from salesmind.data.users import create_api_key, create_user
from salesmind.engagement.cadences.engine import enrol
from salesmind.engagement.inbound import handle_submission
from salesmind.engagement.mail.catcher import MailCatcher, caught_mail, caught_one, mailbox_folder
from salesmind.engagement.mail.loopback import LoopbackSMTP, free_port
from salesmind.engagement.worker import run_once

from mail_world import mail_db, smtp, transport, wait_for  # noqa: F401
from inbound_world import Team, form, team  # noqa: F401


def _noon_zone(now: datetime) -> str:
    """A fixed-offset zone where ``now`` is about noon (so the default 08:00-18:00 window is open)."""
    ahead = 12 - now.hour  # local = UTC + ahead; Etc/GMT names have the sign reversed
    ahead = max(-12, min(ahead, 11))
    return "Etc/GMT" + ("" if ahead == 0 else f"{-ahead:+d}")


def test_a_cadence_email_and_an_inbound_reply_go_out_once(mail_db: Database, smtp: LoopbackSMTP,
                                                          team: Team) -> None:
    now = utcnow()
    with mail_db.transaction() as s:
        sequence = Sequence(name="Outbound")
        s.add(sequence)
        s.flush()
        s.add(SequenceStep(sequence_id=sequence.id, position=0, kind="email", template="intro"))
        lead = Lead(first_name="Ola", last_name="Nord", email="ola@buyer.example", company="Nord AS",
                    consent_email=True, timezone=_noon_zone(now), owner_id=team.eve)
        s.add(lead)
        s.flush()
        enrol(s, sequence_id=sequence.id, lead_id=lead.id, owner_id=team.eve, now=now)
    submitted = handle_submission(mail_db, form(), source="web", now=now)

    run = run_once(mail_db, transport(mail_db.settings))
    assert run.errors == [] and run.emails == 1 and run.sent == 2 and run.replies_recorded == 1
    received = wait_for(smtp, 2)
    assert sorted(r.rcpt_tos[0] for r in received) == ["lea@buyer.example", "ola@buyer.example"]
    assert all(r.message["List-Unsubscribe"] for r in received)

    again = run_once(mail_db, transport(mail_db.settings))  # nothing due: nothing more is sent
    assert (again.emails, again.sent) == (0, 0) and len(smtp.received) == 2
    with mail_db.transaction() as s:
        sub = s.get(InboundSubmission, submitted.id)
        assert sub.reply_sent_at is not None and s.get(Lead, sub.lead_id).first_response_at == sub.reply_sent_at


def test_the_catcher_keeps_messages_in_a_maildir(tmp_path: Path) -> None:
    folder = tmp_path / "mailbox"
    assert caught_mail(folder) == []
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "rita@seller.io", "jane@acme.com", "Your invitation"
    msg["Date"] = "Mon, 09 Mar 2026 14:00:00 +0000"
    msg.set_content("See you then: https://crm.example/book/rita")
    msg.add_attachment("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", subtype="calendar", filename="invite.ics")
    with MailCatcher(folder, free_port()) as catcher, smtplib.SMTP(catcher.host, catcher.port, timeout=10) as client:
        client.send_message(msg, to_addrs=["jane@acme.com", "bcc@acme.com"])
    [mail] = caught_mail(folder)
    assert (mail.subject, mail.sender, mail.to) == ("Your invitation", "rita@seller.io", "jane@acme.com, bcc@acme.com")
    assert mail.attachments == ["invite.ics"] and "https://crm.example/book/rita" in mail.text
    assert caught_one(folder, mail.key).subject == "Your invitation"
    with pytest.raises(NotFound):
        caught_one(folder, "no-such-message")


def test_the_mailbox_page_is_for_managers_and_admins_while_the_catcher_runs(database: Database) -> None:
    settings = database.settings
    database.settings = settings.with_overrides(mail=settings.mail.__class__(catcher=True))
    with database.transaction() as s:
        keys = {role: create_api_key(s, create_user(s, f"{role.value}@seller.io", role.value, role), "t")[1]
                for role in (Role.ADMIN, Role.REP)}
    folder = mailbox_folder(database.settings.home)
    with MailCatcher(folder, free_port()) as catcher, smtplib.SMTP(catcher.host, catcher.port, timeout=10) as client:
        client.sendmail("rita@seller.io", ["jane@acme.com"], b"Subject: Hello Jane\r\n\r\nHi there\r\n")
    app = create_app(database.settings, database=database)
    admin = TestClient(app, headers={"Authorization": f"Bearer {keys[Role.ADMIN]}"})
    page = admin.get("/mailbox")
    assert page.status_code == 200 and "Hello Jane" in page.text and 'href="/mailbox"' in page.text
    key = caught_mail(folder)[0].key
    assert "Hi there" in admin.get(f"/mailbox/{key}").text
    assert admin.get("/mailbox/nothing-here").status_code == 404
    rep = TestClient(app, headers={"Authorization": f"Bearer {keys[Role.REP]}"})
    assert rep.get("/mailbox").status_code == 404 and 'href="/mailbox"' not in rep.get("/").text
