"""``salesmind user create`` and ``salesmind apikey create`` make people and keys the API accepts."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from salesmind.api.app import create_app
from salesmind.cli.main import app as cli
from salesmind.core.settings import Settings


def test_user_and_key_made_on_the_command_line_work_in_the_api(sqlite_settings: Settings, monkeypatch) -> None:
    for var, value in (("HOME", sqlite_settings.home), ("DATABASE_URL", sqlite_settings.database_url),
                       ("SECRET_KEY", sqlite_settings.secret_key)):
        monkeypatch.setenv(f"SALESMIND_{var}", str(value))
    runner = CliRunner()
    made = runner.invoke(cli, ["user", "create", "--email", "Eve@x.io", "--name", "Eve", "--role", "manager",
                               "--team", "North", "--json"], input="long password\nlong password\n")
    assert made.exit_code == 0, made.output
    assert json.loads(made.output[made.output.index("{"):])["team"] == "North"
    again = runner.invoke(cli, ["user", "create", "--email", "eve@x.io", "--name", "E", "--password", "long pass!"])
    assert again.exit_code == 2 and "already exists" in again.output and "Traceback" not in again.output
    key = runner.invoke(cli, ["apikey", "create", "--email", "eve@x.io", "--name", "cron", "--json"])
    assert key.exit_code == 0, key.output
    full = json.loads(key.output)["key"]
    assert runner.invoke(cli, ["apikey", "create", "--email", "nobody@x.io", "--name", "x"]).exit_code == 4
    with TestClient(create_app(sqlite_settings)) as client:
        me = client.get("/api/me", headers={"X-API-Key": full}).json()
        assert (me["email"], me["role"]) == ("eve@x.io", "manager")
        login = client.post("/api/auth/login", json={"email": "eve@x.io", "password": "long password"})
        assert login.status_code == 200
