"""Entry point of the ``salesmind`` command: one Typer app, one error policy."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console

from salesmind.core.errors import SalesmindError

app = typer.Typer(name="salesmind", help="Self-hosted AI sales intelligence.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
console = Console()
err_console = Console(stderr=True)


def fail(exc: SalesmindError, as_json: bool = False) -> None:
    """Print a user error cleanly (no traceback) and exit with its code."""
    if as_json:
        print(json.dumps(exc.to_dict(), default=str))
    else:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
    raise typer.Exit(exc.exit_code)


def emit_json(data: Any) -> None:
    """Write machine-readable output to stdout."""
    sys.stdout.write(json.dumps(data, default=str, indent=2) + "\n")


@app.callback()
def _root() -> None:
    """salesmind: scores with reasons, forecasts with ranges, on your own CRM data."""


# Each module registers its commands on ``app``; imported here so that they load with the CLI.
from salesmind.cli import (  # noqa: E402,F401
    audit_cmd,
    bandit_cmd,
    booking_cmd,
    calls_cmd,
    customers_cmd,
    db_cmds,
    deals_cmd,
    demo_cmd,
    discounts_cmd,
    drafts_cmd,
    forecast_cmd,
    import_cmd,
    performance_cmd,
    pipeline_cmd,
    inbound_cmd,
    mail_cmd,
    privacy_cmd,
    replies_cmd,
    score_cmd,
    sequences_cmd,
    serve_cmd,
    territories_cmd,
    users_cmd,
    winloss_cmd,
)


def main() -> None:
    """Run the CLI."""
    app()


if __name__ == "__main__":
    main()
