"""``salesmind init``: create or upgrade the database."""

from __future__ import annotations

import typer

from salesmind.cli.context import open_database
from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError


@app.command()
def init(as_json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Create the database (or bring its schema up to date)."""
    try:
        database = open_database(migrate=True)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    url = database.engine.url.render_as_string(hide_password=True)
    if as_json:
        emit_json({"database": url, "status": "ready"})
    else:
        console.print(f"[green]database ready[/] {url}")
