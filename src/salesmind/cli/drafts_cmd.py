"""``salesmind drafts`` (templates, render) and ``salesmind content recommend``: drafts for review, content picks."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

import typer
from rich.table import Table

from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError, UserInputError

drafts_app = typer.Typer(help="Personalised drafts from the cadence templates (reviewed before sending).",
                         no_args_is_help=True)
content_app = typer.Typer(help="Content recommendations for a lead or a deal.", no_args_is_help=True)
app.add_typer(drafts_app, name="drafts")
app.add_typer(content_app, name="content")


def _one(lead: int | None, other: int | None, other_flag: str) -> None:
    if (lead is None) == (other is None):
        raise UserInputError(f"give exactly one of --lead or {other_flag}")


@drafts_app.command("templates")
def templates(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The templates of the cadence, in order (your SALESMIND_DRAFT_TEMPLATES folder overrides them)."""
    from salesmind.core.settings import Settings
    from salesmind.engagement.drafts import list_templates

    try:
        infos = list_templates(Settings.from_env())
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json([asdict(i) for i in infos])
        return
    table = Table("name", "file", "description", "yours")
    for i in infos:
        table.add_row(i.name, i.file, i.description, "yes" if i.custom else "")
    console.print(table)


@drafts_app.command("render")
def render(
    template: str = typer.Option(..., "--template", help="Template name (see `salesmind drafts templates`)."),
    lead: int | None = typer.Option(None, "--lead", help="Lead id."),
    contact: int | None = typer.Option(None, "--contact", help="Contact id."),
    writer: bool = typer.Option(False, "--writer", help="Ask the configured writer to rewrite the draft."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Render a draft for one lead or contact; nothing is sent."""
    from salesmind.cli.context import open_database
    from salesmind.data.scope import Scope
    from salesmind.engagement.drafts import render_draft

    try:
        _one(lead, contact, "--contact")
        database = open_database()
        with database.transaction() as session:
            draft = render_draft(session, Scope.everything(), database.settings, template,
                                 datetime.now(UTC), lead_id=lead, contact_id=contact, use_writer=writer)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(asdict(draft) | {"personalisation_count": draft.personalisation_count})
        return
    console.print(f"[bold]To:[/] {draft.recipient or '-'}\n[bold]Subject:[/] {draft.subject}\n", highlight=False)
    console.print(draft.text, highlight=False, markup=False)
    console.print(f"\n[dim]{draft.personalisation_count} personalised: {', '.join(draft.personalisation_elements)}"
                  f"{'; fallbacks for ' + ', '.join(draft.missing_slots) if draft.missing_slots else ''}; "
                  f"written by {draft.written_by}{' (' + draft.writer_note + ')' if draft.writer_note else ''}[/]",
                  highlight=False)


@content_app.command("recommend")
def recommend(
    lead: int | None = typer.Option(None, "--lead", help="Lead id."),
    deal: int | None = typer.Option(None, "--deal", help="Opportunity id."),
    k: int = typer.Option(5, "--k", min=1, max=50, help="How many assets."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The content assets a lead or deal has not seen, best first, with the reasons."""
    from salesmind.cli.context import open_database
    from salesmind.data.scope import Scope
    from salesmind.engagement.content import recommend_for

    try:
        _one(lead, deal, "--deal")
        database = open_database()
        kind, record_id = ("lead", lead) if lead is not None else ("opportunity", deal)
        with database.transaction() as session:
            picks = recommend_for(session, Scope.everything(), kind, int(record_id), datetime.now(UTC), k)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json([asdict(p) for p in picks])
        return
    table = Table("#", "asset", "kind", "why")
    for n, p in enumerate(picks, 1):
        table.add_row(str(n), p.title, p.kind, "; ".join(p.reasons))
    console.print(table)
