"""Same seed and date, same company, on either database; another seed, another company."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesmind.core.errors import UserInputError
from salesmind.demo import SIZES, build_demo, content_hash, reset_database

from .conftest import AS_OF, TINY, fresh_sqlite


@pytest.fixture(scope="module")
def tiny_hash(tmp_path_factory: pytest.TempPathFactory) -> str:
    database = fresh_sqlite(tmp_path_factory.mktemp("tiny_reference"))
    build_demo(database, TINY, 7, as_of=AS_OF)
    value = content_hash(database)
    database.dispose()
    return value


def test_same_seed_gives_identical_content(tmp_path: Path, tiny_hash: str):
    again = fresh_sqlite(tmp_path / "again")
    build_demo(again, TINY, 7, as_of=AS_OF)
    assert content_hash(again) == tiny_hash


def test_other_seed_gives_other_content(tmp_path: Path, tiny_hash: str):
    other = fresh_sqlite(tmp_path / "other")
    build_demo(other, TINY, 8, as_of=AS_OF)
    assert content_hash(other) != tiny_hash


def test_builds_on_both_databases_with_the_same_content(database, tiny_hash: str):
    summary = build_demo(database, TINY, 7, as_of=AS_OF)
    assert summary.counts["leads"] == TINY.leads
    assert content_hash(database) == tiny_hash
    with pytest.raises(UserInputError, match="--reset"):
        build_demo(database, TINY, 7, as_of=AS_OF)
    reset_database(database)
    build_demo(database, TINY, 7, as_of=AS_OF)  # ids and sequences start afresh
    assert content_hash(database) == tiny_hash


def test_cli_builds_resets_and_prints_logins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from salesmind.cli.main import app

    monkeypatch.setitem(SIZES, "small", TINY)
    env = {"SALESMIND_HOME": str(tmp_path), "SALESMIND_SECRET_KEY": "test",
           "SALESMIND_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--size", "small", "--as-of", "2025-06-01", "--json"], env=env)
    assert first.exit_code == 0, first.output
    assert '"admin@demo.salesmind.dev"' in first.output
    refused = runner.invoke(app, ["demo", "--as-of", "2025-06-01"], env=env)
    assert refused.exit_code == 2 and "--reset" in refused.output
    again = runner.invoke(app, ["demo", "--as-of", "2025-06-01", "--reset"], env=env)
    assert again.exit_code == 0 and "demo-password" in again.output
    bad = runner.invoke(app, ["demo", "--as-of", "June 1st"], env=env)
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
