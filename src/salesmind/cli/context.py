"""What every command needs: the configured database, progress bars, clean errors."""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterator

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from salesmind.core.db import Database
from salesmind.core.errors import SalesmindError, UserInputError
from salesmind.core.settings import Settings


def open_database(migrate: bool = True) -> Database:
    """The database named by the environment, migrated to the current schema."""
    database = Database(Settings.from_env())
    if migrate:
        database.migrate()
    return database


@contextmanager
def progress_bar(transient: bool = False, disable: bool = False) -> Iterator[Progress]:
    """A Rich progress bar on stderr with counts, elapsed and remaining time."""
    from salesmind.cli.main import err_console

    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=transient,
        disable=disable,
    ) as progress:
        yield progress


def parse_as_of(text: str | None, option: str = "--as-of") -> datetime:
    """A UTC time from an ISO 8601 day or time (naive values are UTC); now when ``text`` is None."""
    if text is None:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserInputError(f"{option} {text!r} is not a date like 2025-06-02 or 2025-06-02T12:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_day(text: str | None, option: str) -> date | None:
    """A calendar day from ``YYYY-MM-DD`` (None when ``text`` is empty); a clear error naming ``option`` otherwise."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserInputError(f"{option} must be a date like 2025-01-31, not {text!r}") from None


def run_with_status(label: str, make: Callable[[Callable[[str], None]], Any], as_json: bool) -> Any:
    """Call ``make(progress)`` under a spinner that shows each progress message (none with --json).

    User errors end the command cleanly (:func:`salesmind.cli.main.fail`).
    """
    from salesmind.cli.main import err_console, fail

    try:
        with nullcontext() if as_json else err_console.status(label, spinner="dots") as status:
            def progress(message: str) -> None:
                if status is not None:
                    status.update(f"{label}: {message}")

            return make(progress)
    except SalesmindError as exc:
        fail(exc, as_json)


def repeat(step: Callable[[], None], watch: bool, interval: float, as_json: bool) -> None:
    """Run ``step`` once, or every ``interval`` seconds with --watch (Ctrl-C stops); a user error ends it cleanly."""
    import time

    import typer

    from salesmind.cli.main import fail

    try:
        while True:
            step()
            if not watch:
                return
            time.sleep(interval)
    except SalesmindError as exc:
        fail(exc, as_json)
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
