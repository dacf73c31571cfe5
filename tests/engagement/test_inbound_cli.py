"""``salesmind inbound``: the report, recording sent replies and the form address, on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from salesmind.cli.main import app as cli
from salesmind.core.db import Database
from salesmind.core.timeutil import utcnow
from salesmind.engagement.inbound import form_key, handle_submission

from mail_world import mail_db, smtp  # noqa: F401
from inbound_world import Team, form, team  # noqa: F401


def test_report_record_sent_and_form_url(mail_db: Database, smtp, team: Team, tmp_path: Path) -> None:
    env = {"SALESMIND_HOME": str(tmp_path / "h"), "SALESMIND_DATABASE_URL": mail_db.settings.database_url,
           "SALESMIND_SECRET_KEY": "test-secret", "SALESMIND_SMTP_HOST": "127.0.0.1",
           "SALESMIND_SMTP_PORT": str(smtp.port), "SALESMIND_SMTP_SECURITY": "none", "COLUMNS": "200"}
    handle_submission(mail_db, form(), source="web", now=utcnow())
    assert CliRunner().invoke(cli, ["mail", "send-due"], env=env).exit_code == 0
    recorded = CliRunner().invoke(cli, ["inbound", "record-sent", "--json"], env=env)
    assert json.loads(recorded.stdout) == {"recorded": 1}
    shown = json.loads(CliRunner().invoke(cli, ["inbound", "report", "--json"], env=env).stdout)
    assert shown["overall"]["submissions"] == 1 and shown["overall"]["share_within_target"] == 1.0
    table = CliRunner().invoke(cli, ["inbound", "report"], env=env)
    assert table.exit_code == 0 and "Eve" in table.output
    url = CliRunner().invoke(cli, ["inbound", "form-url"], env=env).output.strip()
    assert url.endswith(f"/f/{form_key(mail_db.settings)}")
    bad = CliRunner().invoke(cli, ["inbound", "report", "--days", "0"], env=env)
    assert bad.exit_code == 2 and "Traceback" not in bad.output
