"""Settings come from the environment, with a safe embedded default."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesmind.core.errors import ConfigError
from salesmind.core.settings import Settings, normalise_database_url


def test_default_is_sqlite_in_home(tmp_path: Path) -> None:
    s = Settings.from_env({"SALESMIND_HOME": str(tmp_path / "h")})
    assert s.database_url == f"sqlite:///{tmp_path / 'h' / 'salesmind.db'}"
    assert s.is_sqlite


def test_secret_key_is_created_once_and_kept(tmp_path: Path) -> None:
    first = Settings.from_env({"SALESMIND_HOME": str(tmp_path)}).secret_key
    second = Settings.from_env({"SALESMIND_HOME": str(tmp_path)}).secret_key
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("given,expected", [
    ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_urls_are_normalised(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_unsupported_database_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="not supported"):
        normalise_database_url("mysql://u@h/db")


def test_bad_port_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SALESMIND_PORT"):
        Settings.from_env({"SALESMIND_HOME": str(tmp_path), "SALESMIND_PORT": "eighty"})
