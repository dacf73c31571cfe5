"""What the API, the pages and the CLI show of stored forecasts, cut to what the caller may see.

Forecasts are company numbers, for managers and admins. Totals (the distribution, the bridge) are
company-wide; the deal lists (drivers, changes) name only deals in the caller's scope, and sum the
others into one "other teams' deals" line per list, so the lists still add up to the totals.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from salesmind.core.errors import NotFound, UserInputError
from salesmind.data.models import ForecastRun
from salesmind.data.scope import Scope
from salesmind.forecasting.changes import ChangeReport, changes_between
from salesmind.forecasting.store import get_run, latest_run, previous_pipeline_run, run_points


def visible_drivers(run: ForecastRun, scope: Scope) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """The run's driver deals the caller may see, and the count and expected value of the hidden rest."""
    shown, hidden = [], {"deals": 0, "expected": 0.0, "variance_share": 0.0}
    for d in (run.summary or {}).get("drivers", []):
        if scope.can_see(d.get("owner_id")):
            shown.append(d)
        else:
            hidden["deals"] += 1
            hidden["expected"] += float(d.get("expected") or 0.0)
            hidden["variance_share"] += float(d.get("variance_share") or 0.0)
    return shown, hidden


def run_detail(session: Session, scope: Scope, run_id: int) -> dict[str, Any]:
    """One run with its points and the drivers the caller may see."""
    run = get_run(session, run_id)
    drivers, hidden = visible_drivers(run, scope)
    summary = {k: v for k, v in (run.summary or {}).items() if k != "drivers"}
    return {"run": run, "summary": summary, "points": run_points(session, run.id), "drivers": drivers,
            "hidden_drivers": hidden}


def change_view(session: Session, scope: Scope, run_id: int | None = None,
                against_id: int | None = None) -> tuple[ChangeReport | None, dict[str, Any] | None]:
    """Compare a pipeline run (default: the latest) with ``against_id`` (default: the one before it, same period).

    Returns ``(report, payload)``; both ``None`` when there is no pair of runs to compare yet.
    """
    newer = get_run(session, run_id) if run_id is not None else latest_run(session, "pipeline")
    if newer is None:
        return None, None
    if newer.kind != "pipeline":
        raise UserInputError(f"forecast run {newer.id} is a {newer.kind} forecast; changes compare pipeline runs")
    older = get_run(session, against_id) if against_id is not None else previous_pipeline_run(session, newer)
    if older is None:
        return None, None
    report = changes_between(session, older, newer)
    payload = report.to_dict()
    payload["hidden"] = {}
    for category, items in payload["changes"].items():
        visible = [c for c in items if scope.can_see(c["owner_id"])]
        rest = [c for c in items if not scope.can_see(c["owner_id"])]
        payload["changes"][category] = visible
        payload["hidden"][category] = {"deals": len(rest), "effect": sum(c["effect"] for c in rest)}
    return report, payload


def history_frame(session: Session, run: ForecastRun) -> pd.DataFrame:
    """The bookings history a history run was fitted on (complete periods before its ``as_of``)."""
    from salesmind.forecasting.crm_data import bookings_history

    if run.kind != "history":
        raise NotFound(f"forecast run {run.id} has no bookings history")
    return bookings_history(session, run.freq or "MS", run.group_by, run.as_of)
