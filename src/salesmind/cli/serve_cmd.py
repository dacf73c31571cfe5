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
    console.print(f"[bold green]salesmind is running at http://{host}:{port}/[/]  "
                  f"(API docs: http://{host}:{port}/api/docs; Ctrl+C stops it)")
    uvicorn.run(application, host=host, port=port, log_level="warning")
