"""``salesmind user create`` and ``salesmind apikey create``: people and keys from the terminal."""

from __future__ import annotations

from typing import Optional

import typer
from sqlalchemy import select

from salesmind.cli.context import open_database
from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import NotFound, SalesmindError
from salesmind.data.models import User
from salesmind.data.users import create_api_key, create_user, team_named

user_app = typer.Typer(help="Manage users (reps, managers, admins).", no_args_is_help=True)
apikey_app = typer.Typer(help="Manage API keys for scripts.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(apikey_app, name="apikey")


@user_app.command("create")
def user_create(
    email: str = typer.Option(..., "--email", help="Login email (must be new)."),
    name: str = typer.Option(..., "--name", help="Full name."),
    role: str = typer.Option("rep", "--role", help="admin, manager or rep."),
    team: Optional[str] = typer.Option(None, "--team", help="Team name (created when new)."),
    password: Optional[str] = typer.Option(None, "--password", help="Asked for (hidden) when not given."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Add a user who can log in to the web app and the API."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        database = open_database(migrate=True)
        with database.transaction() as session:
            team_id = team_named(session, team).id if team else None
            user = create_user(session, email, name, role, password=password, team_id=team_id)
            result = {"id": user.id, "email": user.email, "name": user.name, "role": user.role.value,
                      "team": team}
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    _show(result, as_json, f"[green]user created[/] {result['email']} ({result['role']}, id {result['id']})")


@apikey_app.command("create")
def apikey_create(
    email: str = typer.Option(..., "--email", help="Email of the user the key acts as."),
    name: str = typer.Option(..., "--name", help="A name to recognise the key by."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Make an API key; it is printed once and cannot be shown again."""
    try:
        database = open_database(migrate=True)
        with database.transaction() as session:
            user = session.scalar(select(User).where(User.email == email.strip().lower()))
            if user is None:
                raise NotFound(f"no user with email {email}; create one with `salesmind user create`")
            key, full = create_api_key(session, user, name)
            result = {"id": key.id, "name": key.name, "email": user.email, "key": full}
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    _show(result, as_json, f"[green]API key created[/] for {result['email']} (id {result['id']}); "
          "it is shown only now:", also=full)


def _show(result: dict[str, object], as_json: bool, message: str, also: str | None = None) -> None:
    """Print the result as JSON, or as a message (and an unstyled line, such as a key)."""
    if as_json:
        emit_json(result)
        return
    console.print(message)
    if also is not None:
        console.print(also, highlight=False, markup=False, soft_wrap=True)
