"""Scheduled retraining: due only when the current version is old enough; the serve-time timer."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest

from crm_demo import AS_OF, FAST, build_small_demo
from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.scoring import schedule
from salesmind.scoring.schedule import RetrainTimer, parse_interval, retrain_if_due


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = build_small_demo(Path(tmp_path_factory.mktemp("schedule")))
    yield database
    database.dispose()


def test_intervals_parse_and_bad_ones_are_refused():
    assert parse_interval("7d") == timedelta(days=7)
    assert parse_interval(" 12h ") == timedelta(hours=12)
    assert parse_interval("2W") == timedelta(weeks=2)
    for bad in ("", "7", "0d", "seven days", "-1d"):
        with pytest.raises(UserInputError, match="interval"):
            parse_interval(bad)


def test_retraining_happens_only_when_the_current_version_is_old_enough(demo: Database):
    week = timedelta(days=7)
    first = retrain_if_due(demo, ["lead"], now=AS_OF, max_age=week, **FAST)
    assert first[0].retrained and first[0].reason == "no current version" and first[0].version
    again = retrain_if_due(demo, ["lead"], now=AS_OF + timedelta(days=3), max_age=week, **FAST)
    assert not again[0].retrained and "under 7.0 days" in again[0].reason
    later = retrain_if_due(demo, ["lead"], now=AS_OF + timedelta(days=8), max_age=week, **FAST)
    assert later[0].retrained and later[0].version != first[0].version


def test_timer_checks_at_once_and_stops_cleanly(monkeypatch: pytest.MonkeyPatch):
    calls = []
    checked = threading.Event()

    def fake(database, kinds, *, now, max_age, **_):  # type: ignore[no-untyped-def]
        calls.append((tuple(kinds), now, max_age))
        checked.set()
        return []

    monkeypatch.setattr(schedule, "retrain_if_due", fake)
    timer = RetrainTimer(object(), timedelta(days=1), kinds=["lead"], clock=lambda: AS_OF).start()  # type: ignore[arg-type]
    assert checked.wait(5)
    timer.stop()
    assert not timer._thread.is_alive()
    assert calls[0] == (("lead",), AS_OF, timedelta(days=1))


def test_cli_refuses_a_bad_interval_without_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from typer.testing import CliRunner

    from salesmind.cli.main import app

    monkeypatch.setenv("SALESMIND_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["score", "retrain", "--if-older-than", "soon"])
    assert result.exit_code != 0
    assert "interval 'soon'" in result.output and "Traceback" not in result.output
    bad_date = CliRunner().invoke(app, ["score", "crm-train", "--kind", "lead", "--as-of", "yesterday"])
    assert bad_date.exit_code != 0 and "--as-of 'yesterday'" in bad_date.output
