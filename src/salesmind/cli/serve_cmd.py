"""``salesmind serve``: run the web app and the REST API, and the worker that sends mail."""

from __future__ import annotations

import os
import socket

import typer

from salesmind.cli.context import open_database
from salesmind.cli.main import app, console, fail
from salesmind.core.errors import SalesmindError


@app.command()
def serve(
    host: str = typer.Option(None, help="Address to listen on (default SALESMIND_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default SALESMIND_PORT or 8000)."),
    workers: int = typer.Option(1, min=1, max=64, help="Server processes; more than one uses more cores for "
                                "concurrent requests (each process loads the models once)."),
    mail_catcher: bool = typer.Option(False, "--mail-catcher", help="Start a local SMTP server on 127.0.0.1 that "
                                      "keeps what salesmind sends (the Mailbox page shows it) and send all mail "
                                      "there instead of SALESMIND_SMTP_HOST: for the demo and for trials."),
    catcher_port: int = typer.Option(1025, min=1, max=65535, help="Port of the mail catcher (another free one "
                                     "when it is taken)."),
) -> None:
    """Start the web app and API, printing the address to open; with a mail server (or --mail-catcher), a
    worker sends due mail every few seconds (cadence steps, first replies to inbound leads, invitations)."""
    import uvicorn

    from salesmind.api import create_app
    from salesmind.api.app import WARM_CACHE_ENV
    from salesmind.core.settings import Settings

    try:
        base = Settings.from_env()
        host, port = host or base.host, port or base.port
        reachable = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # behind a proxy: set SALESMIND_PUBLIC_URL
        os.environ.setdefault("SALESMIND_PUBLIC_URL", f"http://{reachable}:{port}")  # links in mail point here
        os.environ.setdefault(WARM_CACHE_ENV, "1")  # each server process keeps its dashboards computed
        catcher = _start_catcher(base, catcher_port) if mail_catcher else None
        database = open_database(migrate=True)
    except SalesmindError as exc:
        fail(exc)
        return
    settings = database.settings
    timer = _retrain_timer(database)  # in this process only, however many serve requests
    worker = _start_mail_worker(database)
    console.print(f"[bold green]salesmind is running at http://{host}:{port}/[/]  "
                  f"(API docs: http://{host}:{port}/api/docs; Ctrl+C stops it)"
                  + (f" with {workers} server processes" if workers > 1 else ""))
    try:
        if workers > 1:  # each process builds its app from the same environment (and the stored secret key)
            uvicorn.run("salesmind.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                        log_level="warning")
        else:
            uvicorn.run(create_app(settings, database=database), host=host, port=port, log_level="warning")
    finally:
        if timer is not None:
            timer.stop()
        if worker is not None:
            worker.set()
        if catcher is not None:
            catcher.stop()


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _start_catcher(settings, port: int):  # type: ignore[no-untyped-def]
    """Start the loopback mail catcher and point this process's (and its children's) SMTP settings at it."""
    from salesmind.engagement.mail.catcher import MailCatcher, mailbox_folder
    from salesmind.engagement.mail.loopback import free_port

    port = port if _free(port) else free_port()
    catcher = MailCatcher(mailbox_folder(settings.home), port).start()
    os.environ.update({"SALESMIND_SMTP_HOST": "127.0.0.1", "SALESMIND_SMTP_PORT": str(port),
                       "SALESMIND_SMTP_SECURITY": "none", "SALESMIND_SMTP_USERNAME": "",
                       "SALESMIND_SMTP_PASSWORD": "", "SALESMIND_MAIL_CATCHER": "1"})
    console.print(f"mail catcher on 127.0.0.1:{port}: what salesmind sends is kept in "
                  f"{mailbox_folder(settings.home)} (the Mailbox page)")
    return catcher


def _start_mail_worker(database):  # type: ignore[no-untyped-def]
    """The engagement worker's stop event when a mail server is configured (else None)."""
    mail = database.settings.mail
    if not mail.smtp_host:
        console.print("[dim]no SALESMIND_SMTP_HOST: mail is queued in the outbox but not sent "
                      "(set it, or serve --mail-catcher)[/]")
        return None
    from salesmind.engagement.mail.transport import SMTPTransport
    from salesmind.engagement.worker import start_worker

    _, stop = start_worker(database, SMTPTransport.from_settings(mail), imap=bool(mail.imap_host))
    console.print(f"sending mail through {mail.smtp_host}:{mail.smtp_port} every few seconds"
                  + (f", reading replies from {mail.imap_host}" if mail.imap_host else ""))
    return stop


def _retrain_timer(database):  # type: ignore[no-untyped-def]
    """The background retraining timer when ``SALESMIND_RETRAIN_EVERY`` is set (else None)."""
    import os

    from salesmind.scoring.schedule import RETRAIN_ENV, RetrainTimer, parse_interval

    every = os.environ.get(RETRAIN_ENV)
    if not every:
        return None
    try:
        interval = parse_interval(every)
    except SalesmindError as exc:
        fail(exc)
        return None
    console.print(f"retraining the CRM models when they are older than {every} ({RETRAIN_ENV})")
    return RetrainTimer(database, interval).start()
