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
    workers: int = typer.Option(1, min=1, max=64, help="Server processes; more than one uses more cores for "
                                "concurrent requests (each process loads the models once)."),
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
    timer = _retrain_timer(database)  # in this process only, however many serve requests
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
