"""Pipeline analytics on the Maven CRM format imported through the generic importer (a foreign ladder)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from salesmind.analytics import pipeline_service as service
from salesmind.core.db import Database
from salesmind.data.scope import Scope

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))
from test_ingest_maven_import import import_maven


def test_imported_maven_pipeline(database: Database) -> None:
    import_maven(database)
    with database.transaction() as s:
        data = service.load(s, Scope.everything())
        report = service.pipeline_analysis(data, date(2016, 1, 1), date(2018, 1, 1), "owner")
        speed = service.velocity_analysis(data, date(2017, 1, 1), date(2017, 4, 1))
    # engaged 20 Oct 2016 -> won 1 Mar 2017 (132 days, 1054), 25 Oct -> won 11 Mar (137 days, 4514), two lost in Q1;
    # open in Q1: those four and the deal engaged on 3 Nov 2016 that is still engaging
    current = speed["current"]
    assert (current["open_deals"], current["win_rate"], current["deal_size"], current["cycle_days"]) == (
        5, 0.5, 2784.0, 134.5)
    flows = {(f["source"], f["target"]): f["deals"] for f in report["flows"].to_dict("records")}
    assert flows == {("Engaging", "won"): 2, ("Engaging", "lost"): 2}
    assert set(data.stages) == {"Prospecting", "Engaging"}
    assert {g["group"] for g in report["groups"]} >= {"Darcel Schlecht", "Moses Frase"}
