"""``salesmind customers``: list and show over stored values, and lifetime value for any transactions file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesmind.cli.main import app
from salesmind.core.db import Database

sys.path.insert(0, str(Path(__file__).resolve().parent))
from customer_world import seed_customers  # noqa: E402


@pytest.fixture
def env(sqlite_database: Database, tmp_path: Path) -> dict[str, str]:
    return {"SALESMIND_HOME": str(tmp_path / "cli-home"), "SALESMIND_DATABASE_URL":
            sqlite_database.settings.database_url, "COLUMNS": "200"}


def test_list_and_show(sqlite_database: Database, env: dict[str, str]) -> None:
    world = seed_customers(sqlite_database)
    listed = json.loads(CliRunner().invoke(app, ["customers", "list", "--json"], env=env).stdout)
    assert [c["name"] for c in listed["items"]][:2] == ["Risky Inc", "Bobs Inc"]
    shown = CliRunner().invoke(app, ["customers", "show", str(world.accounts["risky"])], env=env)
    assert shown.exit_code == 0 and "churn risk 55%" in shown.stdout and "Offer training" in shown.stdout
    missing = CliRunner().invoke(app, ["customers", "show", "99999"], env=env)
    assert missing.exit_code != 0 and "not found" in missing.output and "Traceback" not in missing.output
    bad = CliRunner().invoke(app, ["customers", "list", "--sort", "height"], env=env)
    assert bad.exit_code != 0 and "expected one of" in bad.output


def test_clv_for_a_whitespace_aligned_transactions_file(env: dict[str, str], tmp_path: Path) -> None:
    rows = ["customer date amount"]
    for i in range(30):  # customer c0 buys every month of 2024 and the most; the others from 1 to 6 times
        visits = 12 if i == 0 else 1 + i % 6
        rows += [f"c{i} 2024-{1 + k:02d}-{1 + i % 27:02d} {20 + 3 * i + 5 * k}" for k in range(visits)]
    path = tmp_path / "orders.txt"
    path.write_text("\n".join(rows) + "\n")
    out = tmp_path / "clv.csv"
    result = CliRunner().invoke(app, ["customers", "clv", "--csv", str(path), "--customer", "customer", "--date",
                                      "date", "--value", "amount", "--json", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["customers"] == 30 and set(payload["parameters"]["bgnbd"]) == {"r", "alpha", "a", "b"}
    top = [row["clv"] for row in payload["top"]]
    assert top == sorted(top, reverse=True) and payload["top"][0]["customer"] == "c0"
    assert out.exists() and len(out.read_text().splitlines()) == 31
    wrong = CliRunner().invoke(app, ["customers", "clv", "--csv", str(path), "--customer", "client", "--date", "date"],
                               env=env)
    assert wrong.exit_code != 0 and "no column(s) ['client']" in wrong.output and "Traceback" not in wrong.output
