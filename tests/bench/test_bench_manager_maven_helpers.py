"""The Maven manager benchmark's helpers on the hand-made Maven-format files: the raw reference and the import."""

from __future__ import annotations

import sys
from pathlib import Path

from salesmind.core.db import Database

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository
    sys.path.insert(0, str(ROOT))

from bench.manager_maven import STEPS, analyse, import_maven, raw_reference  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "maven_crm"


def test_the_raw_reference_counts_what_the_files_say() -> None:
    ref = raw_reference(FIXTURE)
    assert (ref["deals"], ref["closed"], ref["won"], ref["win_rate"], ref["won_value"]) == (8, 4, 2, 0.5, 5568.0)
    assert ref["closed_2017"] == 4 and ref["won_by_agent_2017"] == {"Darcel Schlecht": 1, "Moses Frase": 1}
    assert ref["engage_to_close_median"] == 132.5  # engage-to-close days 132, 137, 133, 74


def test_the_imported_fixture_gives_the_reference_figures(sqlite_database: Database) -> None:
    timed: list[str] = []
    reports = import_maven(sqlite_database, FIXTURE, progress=lambda name, seconds: timed.append(name))
    assert timed == [profile for _, profile in STEPS]
    assert [r.inserted for r in reports] == [4, 4, 3, 8, 6]
    result = analyse(sqlite_database)
    ref = raw_reference(FIXTURE)
    assert (result["winloss"].closed, result["winloss"].won) == (ref["closed"], ref["won"])
    assert result["engaging_median_days"] == ref["engage_to_close_median"]
    assert {r["name"]: r["won"] for r in result["team"] if r["won"]} == ref["won_by_agent_2017"]
    assert set(result["seconds"]) == {"pipeline: load deal frame + stage visits", "pipeline: conversion report",
                                      "pipeline: velocity (2017Q4)", "performance: team table (2017)",
                                      "win/loss: summary (all closed deals)"}
