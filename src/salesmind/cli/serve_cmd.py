"""``salesmind serve``: run the web app and the REST API."""

from __future__ import annotations

import typer

from salesmind.cli.context import open_database
from salesmind.cli.main import app, console, fail
from salesmind.core.errors import SalesmindError


@app.command()
def serve(
    host: str = typer.Option(None, help="Address to listen on (default SALESMIND_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default SALESMIND_PORT or 8000)."),
) -> None:
    """Start the web app and API, printing the address to open."""
    import uvicorn

    from salesmind.api import create_app

    try:
        database = open_database(migrate=True)
    except SalesmindError as exc:
        fail(exc)
        return
    settings = database.settings
    host = host or settings.host
    port = port or settings.port
    application = create_app(settings, database=database)
    timer = _retrain_timer(database)
    console.print(f"[bold green]salesmind is running at http://{host}:{port}/[/]  "
                  f"(API docs: http://{host}:{port}/api/docs; Ctrl+C stops it)")
    try:
        uvicorn.run(application, host=host, port=port, log_level="warning")
    finally:
        if timer is not None:
            timer.stop()


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
