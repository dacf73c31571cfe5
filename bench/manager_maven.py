"""The manager analytics on the Maven CRM opportunities data, imported through the generic importer.

``../shared/data/maven_crm_opportunities`` (simulated by its publisher: 35 agents, 85 accounts,
7 products, 8,800 opportunities, 2016-10 to 2017-12) is imported into a fresh database with the
user-side mappings of ``docs/examples/maven-crm`` (the path ``salesmind import`` takes, in process),
then the analyses behind the manager pages are timed on it: pipeline conversion (load + report),
velocity, the team table and the win/loss summary. Every number they give that the raw files also
give is recomputed from the CSVs with pandas in the same run, as the reference.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from bench.scoring import machine
from salesmind.core.db import Database
from salesmind.core.settings import Settings
from salesmind.ingest import ImportReport, import_file

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "maven_crm_opportunities"
PROFILES = ROOT / "docs" / "examples" / "maven-crm"
#: (file, profile) in the order docs/examples/maven-crm/README.md gives
STEPS = (("sales_teams", "sales_teams"), ("accounts", "accounts"), ("products", "products"),
         ("sales_pipeline", "sales_pipeline"), ("sales_pipeline", "sales_pipeline_engaged"))
PERIOD = (date(2017, 1, 1), date(2018, 1, 1))
#: the open stages in the order of data_dictionary.csv ("Prospecting > Engaging > Won / Lost")
DICTIONARY_ORDER = ["Prospecting", "Engaging"]


def import_maven(database: Database, folder: Path = DATA, progress: Callable[[str, float], None] | None = None
                 ) -> list[ImportReport]:
    """Import the five Maven files of ``folder`` with the example profiles, in the documented order."""
    reports = []
    for name, profile in STEPS:
        started = time.perf_counter()
        reports.append(import_file(database, folder / f"{name}.csv", None, str(PROFILES / f"{profile}.yaml")))
        if progress:
            progress(profile, time.perf_counter() - started)
    return reports


def raw_reference(folder: Path = DATA) -> dict[str, Any]:
    """What the files themselves say: deal counts, closed win rate, won revenue, won deals per agent."""
    deals = pd.read_csv(folder / "sales_pipeline.csv")
    closed = deals[deals["deal_stage"].isin(["Won", "Lost"])]
    won = closed[closed["deal_stage"] == "Won"]
    in_period = pd.to_datetime(closed["close_date"]).dt.date.between(PERIOD[0], PERIOD[1], inclusive="left")
    won_2017 = won[pd.to_datetime(won["close_date"]).dt.date.between(PERIOD[0], PERIOD[1], inclusive="left")]
    return {"deals": len(deals), "closed": len(closed), "won": len(won), "win_rate": len(won) / len(closed),
            "won_value": float(won["close_value"].sum()), "closed_2017": int(in_period.sum()),
            "won_by_agent_2017": won_2017.groupby("sales_agent").size().to_dict(),
            "engage_to_close_median": float((pd.to_datetime(closed["close_date"])
                                             - pd.to_datetime(closed["engage_date"]))[in_period].dt.days.median())}


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - started


def analyse(database: Database) -> dict[str, Any]:
    """Run the manager analyses that exist on the imported data; their results and seconds."""
    from salesmind.analytics import pipeline_service
    from salesmind.analytics.battlecards import winloss_summary
    from salesmind.analytics.performance import team_table
    from salesmind.data.scope import Scope

    scope = Scope.everything()
    start, end = (datetime(d.year, d.month, d.day, tzinfo=UTC) for d in PERIOD)
    with database.sessions() as session:
        data, t_load = _timed(lambda: pipeline_service.load(session, scope))
        report, t_pipe = _timed(lambda: pipeline_service.pipeline_analysis(data, *PERIOD))
        velocity, t_vel = _timed(lambda: pipeline_service.velocity_analysis(data, date(2017, 10, 1), PERIOD[1]))
        team, t_team = _timed(lambda: team_table(session, scope, start, end))
        summary, t_wl = _timed(lambda: winloss_summary(session, scope))
    times = report["time_in_stage"].set_index("stage")
    return {"stages": data.stages, "conversion": report["conversion"], "velocity": velocity["current"],
            "engaging_median_days": float(times.loc["Engaging", "median_days"]) if "Engaging" in times.index
            else None,
            "team": team, "winloss": summary,
            "seconds": {"pipeline: load deal frame + stage visits": t_load, "pipeline: conversion report": t_pipe,
                        "pipeline: velocity (2017Q4)": t_vel, "performance: team table (2017)": t_team,
                        "win/loss: summary (all closed deals)": t_wl}}


def _rows(pairs: list[tuple[str, Any, Any]]) -> list[str]:
    out = ["| figure | from the analytics | from the raw CSV (pandas) | equal |", "|---|---|---|---|"]
    for label, ours, ref in pairs:
        same = abs(float(ours) - float(ref)) < 1e-9 if ours is not None else False
        out.append(f"| {label} | {ours} | {ref} | {'yes' if same else '**no**'} |")
    return out


def run() -> str:
    """Import, analyse, and compare with the raw files; a markdown section."""
    if not DATA.exists():
        return "## Manager analytics on the Maven CRM data\n\nSkipped: ../shared/data/maven_crm_opportunities is absent."
    ref = raw_reference()
    with tempfile.TemporaryDirectory() as home:
        database = Database(Settings.from_env({"SALESMIND_HOME": home,
                                               "SALESMIND_DATABASE_URL": f"sqlite:///{home}/salesmind.db",
                                               "SALESMIND_SECRET_KEY": "bench"}))
        database.migrate()
        import_seconds: dict[str, float] = {}
        started = time.perf_counter()
        reports = import_maven(database, progress=lambda name, s: import_seconds.__setitem__(name, s))
        total_import = time.perf_counter() - started
        result = analyse(database)
        database.dispose()
    summary = result["winloss"]
    by_agent = {r["name"]: r["won"] for r in result["team"]}
    agents_equal = sum(by_agent.get(a, 0) == n for a, n in ref["won_by_agent_2017"].items())
    lines = [
        "## Manager analytics on the Maven CRM data (`python -m bench manager_maven`)",
        "",
        f"Machine: {machine()}",
        "",
        ("The five files of `../shared/data/maven_crm_opportunities` (simulated data) imported through "
         "`salesmind import` with the mappings of `docs/examples/maven-crm` into a fresh SQLite database, "
         "then the analyses behind the manager pages run on it."),
        "",
        "| import step | rows read | inserted | skipped | seconds |",
        "|---|---|---|---|---|",
        *[f"| {profile} | {r.rows_read} | {r.inserted} | {r.skipped} | {import_seconds[profile]:.2f} |"
          for (_, profile), r in zip(STEPS, reports)],
        (f"| **total** | {sum(r.rows_read for r in reports)} | {sum(r.inserted for r in reports)} | "
         f"{sum(r.skipped for r in reports)} | {total_import:.2f} |"),
        "",
        "| analysis | seconds |",
        "|---|---|",
        *[f"| {name} | {s:.2f} |" for name, s in result["seconds"].items()],
        "",
        *_rows([("closed deals (win/loss summary)", summary.closed, ref["closed"]),
                ("won deals", summary.won, ref["won"]),
                ("win rate of closed deals", round(summary.rate, 6), round(ref["win_rate"], 6)),
                ("median engage-to-close days (time in Engaging, closed 2017)", result["engaging_median_days"],
                 ref["engage_to_close_median"]),
                ("agents whose 2017 won count in the team table equals the file's", agents_equal,
                 len(ref["won_by_agent_2017"]))]),
        "",
        (f"Funnel order found from the data: {' > '.join(result['stages'])}, "
         f"{'as' if result['stages'] == DICTIONARY_ORDER else 'not as'} the data dictionary says "
         "(Prospecting > Engaging > Won / Lost). No deal in the files has a Prospecting date, so no deal "
         "walks from one open stage to the other: the order comes from `stage_order`'s tie-break, and "
         "Prospecting -> Engaging conversion cannot be measured."),
    ]
    return "\n".join(lines)
