"""``salesmind audit`` prints clean tables, and ``--json`` the same content as the API."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from salesmind.api import create_app
from salesmind.api.routes import audit as audit_routes
from salesmind.cli.main import app
from salesmind.core.db import Database
from salesmind.core.timeutil import FixedClock
from salesmind.data.models import Role
from salesmind.data.users import create_api_key, create_user

AS_OF = "2025-07-01T12:00:00+00:00"


@pytest.fixture
def env(database: Database, tmp_path: Path) -> dict[str, str]:
    return {"SALESMIND_HOME": str(tmp_path / "cli-home"), "SALESMIND_DATABASE_URL": database.settings.database_url}


def test_audit_json_is_parseable_and_complete(env: dict[str, str], messy: dict[str, int]) -> None:
    result = CliRunner().invoke(app, ["audit", "--json", "--as-of", AS_OF], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    checks = {f["check"]: f["affected"] for f in data["findings"]}
    assert checks["deals.overdue"] == 1 and checks["duplicates.accounts.name"] == 2
    assert data["fixes"][0]["check"] == "duplicates.accounts.name"
    assert {t["table"] for t in data["tables"]} >= {"accounts", "contacts", "leads", "opportunities"}


def test_audit_terminal_output_is_clean(env: dict[str, str], messy: dict[str, int]) -> None:
    result = CliRunner().invoke(app, ["audit", "--as-of", AS_OF], env={**env, "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Score per table" in result.stdout and "Fixes, biggest impact first" in result.stdout
    assert "accounts with the same or nearly the same name" in result.stdout
    assert "Traceback" not in result.output


def test_bad_as_of_is_a_clean_error(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["audit", "--as-of", "yesterday"], env=env)
    assert result.exit_code == 2
    assert "--as-of 'yesterday'" in result.output and "Traceback" not in result.output


def _client(database: Database, role: Role) -> TestClient:
    application = create_app(database.settings, database=database,
                             clock=FixedClock(datetime.fromisoformat(AS_OF)))
    if not any(getattr(r, "path", "") == "/api/audit" for r in application.routes):
        application.include_router(audit_routes.router, prefix="/api")
    with database.transaction() as s:
        user = create_user(s, f"{role.value}.api@seller.io", role.value, role=role)
        _, key = create_api_key(s, user, "test")
    return TestClient(application, headers={"Authorization": f"Bearer {key}"})


def test_api_matches_cli(database: Database, env: dict[str, str], messy: dict[str, int]) -> None:
    response = _client(database, Role.MANAGER).get("/api/audit")
    assert response.status_code == 200
    cli = json.loads(CliRunner().invoke(app, ["audit", "--json", "--as-of", AS_OF], env=env).stdout)
    assert response.json() == cli


def test_api_refuses_reps(database: Database, messy: dict[str, int]) -> None:
    assert _client(database, Role.REP).get("/api/audit").status_code == 403
