"""``salesmind privacy export|erase``: answer GDPR and CCPA requests for one person."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from salesmind.cli.context import open_database
from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError, UserInputError
from salesmind.data.privacy import erase_person, export_person, find_person

privacy_app = typer.Typer(help="Export or erase everything stored about one person (GDPR/CCPA).",
                          no_args_is_help=True)
app.add_typer(privacy_app, name="privacy")


@privacy_app.command("export")
def export(
    email: str = typer.Argument(..., help="The person's email address."),
    out: Path = typer.Option(None, "--out", help="Write the JSON to this file instead of the screen."),
) -> None:
    """Print (or save) every record about the person as JSON."""
    try:
        with open_database().transaction() as session:
            data = export_person(session, email)
        if out is None:
            emit_json(data)
            return
        try:
            out.write_text(json.dumps(data, default=str, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise UserInputError(f"cannot write {out}: {exc.strerror}") from exc
    except SalesmindError as exc:
        fail(exc)
        return
    total = sum(data["counts"].values())
    console.print(f"[green]wrote[/] {total} records and {len(data['mentions'])} mentions about "
                  f"{data['email']} to {out}", highlight=False)


@privacy_app.command("erase")
def erase(
    email: str = typer.Argument(..., help="The person's email address."),
    yes: bool = typer.Option(False, "--yes", help="Really erase (without it, only show what would go)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Delete or anonymise everything about the person, in one transaction."""
    try:
        with open_database().transaction() as session:
            if not yes:
                person = find_person(session, email)
                found = ", ".join(f"{len(ids)} {t}" for t, ids in sorted(person.ids.items()) if ids)
                raise UserInputError(f"nothing erased: add --yes to erase {person.email} "
                                     f"({found or 'no records found'})")
            report = erase_person(session, email)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    if as_json:
        emit_json(report.to_dict())
        return
    changed = [f"{n} {t} deleted" for t, n in report.deleted.items()]
    changed += [f"{n} {t} anonymised" for t, n in report.anonymised.items()]
    console.print(f"[green]erased[/] {report.email}: " + ("; ".join(changed) or "nothing was stored"),
                  highlight=False)
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
