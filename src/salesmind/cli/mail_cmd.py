"""``salesmind mail``: send the due outbox messages, list the outbox, suppress an address, read inbound mail,
send a test message."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from salesmind.cli.context import repeat
from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError, UserInputError

mail_app = typer.Typer(help="Outgoing mail through SMTP, the suppression list, inbound replies and bounces.",
                       no_args_is_help=True)
app.add_typer(mail_app, name="mail")


@mail_app.command("send-due")
def send_due(
    limit: int = typer.Option(100, "--limit", min=1, max=10_000, help="Messages per run at most."),
    watch: bool = typer.Option(False, "--watch", help="Keep running: deliver, wait, deliver again."),
    interval: float = typer.Option(10.0, "--interval", min=0.1, help="Seconds between runs with --watch."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Deliver the queued messages that are due through the configured SMTP server."""
    from salesmind.cli.context import open_database
    from salesmind.engagement.mail.outbox import deliver
    from salesmind.engagement.mail.transport import SMTPTransport

    database = open_database()

    def once() -> None:
        counts = deliver(database, SMTPTransport.from_settings(database.settings.mail), limit=limit)
        if as_json:
            emit_json(asdict(counts))
        elif counts.claimed or not watch:
            console.print(f"sent {counts.sent}, retrying {counts.retried}, failed {counts.failed} "
                          f"(bounced {counts.bounced}), waiting for the throttle {counts.throttled}")
            for error in counts.errors[:5]:
                console.print(f"  [red]{error}[/]", highlight=False)

    repeat(once, watch, interval, as_json)


@mail_app.command("outbox")
def list_outbox(
    status: Optional[str] = typer.Option(None, "--status", help="queued, sending, sent, failed, suppressed, cancelled"),
    limit: int = typer.Option(25, "--limit", min=1, max=1000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Outbox messages, newest first, with the count per status."""
    from salesmind.cli.context import open_database
    from salesmind.data.models.outreach import OUTBOX_STATUSES
    from salesmind.data.scope import Scope
    from salesmind.engagement.mail import views

    try:
        if status is not None and status not in OUTBOX_STATUSES:
            raise UserInputError(f"--status must be one of {', '.join(OUTBOX_STATUSES)}, not {status!r}")
        database = open_database()
        with database.transaction() as session:
            items, total = views.list_outbox(session, Scope.everything(), status=status, limit=limit)
            counts = views.status_counts(session, Scope.everything())
    except SalesmindError as exc:
        fail(exc, as_json)
    fields = ("id", "status", "to_address", "subject", "message_id", "attempts", "created_at", "next_attempt_at",
              "sent_at", "last_error", "user_id", "lead_id", "contact_id")
    if as_json:
        emit_json({"total": total, "counts": counts, "items": [{f: getattr(i, f) for f in fields} for i in items]})
        return
    console.print("  ".join(f"{s}: [bold]{n:,}[/]" for s, n in counts.items()))
    table = Table(title=f"Outbox ({len(items)} of {total:,})")
    for head in ("id", "status", "to", "subject", "tries", "sent / next", "error"):
        table.add_column(head, justify="right" if head in ("id", "tries") else "left")
    for i in items:
        when = i.sent_at if i.sent_at else i.next_attempt_at
        table.add_row(str(i.id), i.status, i.to_address, i.subject[:50], str(i.attempts), f"{when:%Y-%m-%d %H:%M}",
                      (i.last_error or "")[:60])
    console.print(table)


@mail_app.command("suppress")
def suppress_address(
    address: str = typer.Argument(..., help="The address never to mail again."),
    reason: str = typer.Option("manual", "--reason", help="unsubscribe, bounce, complaint or manual"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Put an address on the suppression list and mark its leads and contacts do-not-contact."""
    from salesmind.cli.context import open_database
    from salesmind.engagement.mail.suppression import mark_do_not_contact, suppress

    try:
        database = open_database()
        with database.transaction() as session:
            row = suppress(session, address, reason, "cli")
            marked = mark_do_not_contact(session, address)
            found = {"email_hash": row.email_hash, "reason": row.reason, "marked_do_not_contact": marked}
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(found)
        return
    console.print(f"Suppressed ({found['reason']}); {marked} lead(s)/contact(s) marked do-not-contact.")


@mail_app.command("inbound")
def inbound_file(
    path: Path = typer.Argument(..., help="An RFC 822 message (.eml)."),
    classify: bool = typer.Option(True, "--classify/--no-classify", help="Classify a reply's intent."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Process one inbound message: thread a reply, record a bounce or an unsubscribe request."""
    from salesmind.cli.context import open_database
    from salesmind.engagement.mail.inbound import process_inbound

    try:
        if not path.is_file():
            raise UserInputError(f"{path} is not a file")
        result = process_inbound(open_database(), path.read_bytes(), classify=classify)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(asdict(result))
        return
    who = f"lead {result.lead_id}" if result.lead_id else f"contact {result.contact_id}" if result.contact_id else "nobody"
    console.print(f"{result.kind}: {who}; suppressed {result.suppressed}"
                  + (f"; intent {result.intent}" if result.intent else ""))


@mail_app.command("poll-imap")
def poll_imap_command(
    limit: int = typer.Option(100, "--limit", min=1, max=10_000, help="Messages per poll at most."),
    watch: bool = typer.Option(False, "--watch", help="Keep polling."),
    interval: float = typer.Option(60.0, "--interval", min=1.0, help="Seconds between polls with --watch."),
    classify: bool = typer.Option(True, "--classify/--no-classify", help="Classify replies' intents."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Read the unseen messages of the configured IMAP mailbox as inbound mail (each flagged seen once handled)."""
    from salesmind.cli.context import open_database
    from salesmind.engagement.mail.imap import poll_imap

    database = open_database()

    def once() -> None:
        result = poll_imap(database, limit=limit, classify=classify)
        kinds = [r.kind for r in result.processed]
        if as_json:
            emit_json({"unseen": result.unseen, "refused": result.refused, "errors": result.errors,
                       "processed": [asdict(r) for r in result.processed]})
        elif kinds or not watch:
            summary = ", ".join(f"{k} {kinds.count(k)}" for k in sorted(set(kinds))) or "nothing new"
            console.print(f"{result.unseen} unseen: {summary}; refused {result.refused}")

    repeat(once, watch, interval, as_json)


@mail_app.command("test")
def send_test(
    address: str = typer.Argument(..., help="Where to send the test message."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Send one test message through the configured SMTP server (not through the outbox)."""
    from email.message import EmailMessage
    from email.utils import make_msgid

    from salesmind.cli.context import open_database
    from salesmind.engagement.mail.suppression import is_suppressed, normalise_address
    from salesmind.engagement.mail.transport import SendError, SMTPTransport

    try:
        database = open_database()
        mail = database.settings.mail
        to = normalise_address(address)
        with database.transaction() as session:
            if is_suppressed(session, to):
                raise UserInputError(f"{to} is on the suppression list")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = mail.from_address, to, "salesmind test message"
        message["Message-ID"] = make_msgid(domain=normalise_address(mail.from_address).rsplit("@", 1)[1])
        message.set_content(f"This is a test from salesmind through {mail.smtp_host}:{mail.smtp_port}.")
        with SMTPTransport.from_settings(mail) as transport:
            try:
                transport.send(message, normalise_address(mail.from_address), [to])
            except SendError as exc:
                raise UserInputError(f"the server did not take the message: {exc}") from None
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json({"sent": True, "to": to, "message_id": message["Message-ID"]})
        return
    console.print(f"Sent {message['Message-ID']} to {to} through {mail.smtp_host}:{mail.smtp_port}.")
