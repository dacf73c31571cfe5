"""``salesmind replies``: classify inbound replies into intents, list the inbox, correct a label, retrain."""

from __future__ import annotations

from dataclasses import asdict
from typing import Optional

import typer
from rich.table import Table

from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError

replies_app = typer.Typer(help="Reply intent with its next action: classify, inbox, correct, retrain.",
                          no_args_is_help=True)
app.add_typer(replies_app, name="replies")


@replies_app.command("classify")
def classify(
    again: bool = typer.Option(False, "--all", help="Classify every inbound reply again, not only new ones."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Classify the inbound replies not yet classified (training the model first if none is saved)."""
    from sqlalchemy import select

    from salesmind.cli.context import open_database
    from salesmind.conversations.reply_service import classify_replies
    from salesmind.data.models import Direction, EmailMessage

    database = open_database()
    try:
        ids = None
        if again:
            with database.transaction() as session:
                ids = list(session.scalars(select(EmailMessage.id).where(EmailMessage.direction == Direction.INBOUND)))
        summary = classify_replies(database, ids)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(asdict(summary))
        return
    console.print(f"[bold]{summary.classified:,}[/] replies classified with {summary.model_version}.")
    for name, n in sorted(summary.by_intent.items(), key=lambda kv: -kv[1]):
        console.print(f"  {name}: {n:,}")


@replies_app.command("inbox")
def inbox(
    intent: Optional[str] = typer.Option(None, "--intent", help="Only replies with this intent."),
    limit: int = typer.Option(25, "--limit", min=1, max=500),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Classified replies, newest first, with their suggested next actions."""
    from salesmind.cli.context import open_database
    from salesmind.conversations.reply_service import inbox as list_inbox
    from salesmind.data.scope import Scope

    database = open_database()
    try:
        with database.transaction() as session:
            items, total = list_inbox(session, Scope.everything(), intent=intent, limit=limit)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json({"total": total, "items": [asdict(i) for i in items]})
        return
    table = Table(title=f"Inbox ({len(items)} of {total:,})")
    for head in ("id", "received", "from", "intent", "conf.", "next action", "found"):
        table.add_column(head, justify="right" if head in ("id", "conf.") else "left")
    for i in items:
        found = i.extracted.get("return_date") or (i.extracted.get("referral") or {}).get("email") or ""
        table.add_row(str(i.id), f"{i.sent_at:%Y-%m-%d %H:%M}", i.from_address or "—",
                      i.intent + (" (corrected)" if i.corrected else ""), f"{100 * i.confidence:.0f}%",
                      i.next_action, str(found))
    console.print(table)


@replies_app.command("correct")
def correct(
    classification_id: int = typer.Argument(..., help="The classification id (first column of the inbox)."),
    intent: str = typer.Option(..., "--intent", help="The right intent."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Store the right intent of a reply; `salesmind replies retrain` learns from it."""
    from salesmind.cli.context import open_database
    from salesmind.conversations.reply_service import correct as store_correction
    from salesmind.data.scope import Scope

    database = open_database()
    try:
        with database.transaction() as session:
            item = store_correction(session, Scope.everything(), classification_id, intent, None)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(asdict(item))
        return
    console.print(f"Reply {item.id} is now [bold]{item.intent}[/] (the model said {item.predicted_intent}); "
                  f"next action: {item.next_action}.")


@replies_app.command("retrain")
def retrain(as_json: bool = typer.Option(False, "--json")) -> None:
    """Train on the labelled set plus every correction; report held-out macro-F1 before and after."""
    from salesmind.cli.context import open_database
    from salesmind.conversations.reply_service import retrain_from_corrections

    database = open_database()
    try:
        summary = retrain_from_corrections(database)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(asdict(summary))
        return
    before = "—" if summary.previous_macro_f1 is None else f"{summary.previous_macro_f1:.3f}"
    console.print(f"Trained {summary.model_version} on {summary.trained_on:,} replies ({summary.corrections} "
                  f"corrections); held-out macro-F1 {summary.held_out_macro_f1:.3f} (before: {before}).")
