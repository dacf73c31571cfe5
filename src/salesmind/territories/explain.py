"""Why each account goes to its proposed rep: expected value under the proposed rep and the current owner, the
rep's shrunk win rate in the account's segment with the deal count behind it, region match and capacity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from salesmind.territories.evaluate import evaluate
from salesmind.territories.problem import TerritoryProblem
from salesmind.territories.winrates import RepCellStats

StatsFor = Callable[[int, int], RepCellStats | None]


def _rate(stats: RepCellStats | None, p: float) -> dict[str, Any]:
    if stats is None:
        return {"p": round(p, 4)}
    return {"p": round(stats.probability, 4), "segment_rate": round(stats.segment_rate, 4),
            "segment_wins": stats.segment_wins, "segment_deals": stats.segment_deals,
            "industry_lift": round(stats.industry_lift, 3), "industry_deals": stats.industry_deals,
            "region_lift": round(stats.region_lift, 3), "region_deals": stats.region_deals}


def _binding(problem: TerritoryProblem, count: np.ndarray, value: np.ndarray) -> np.ndarray:
    s = problem.settings
    full = np.zeros(problem.n_reps, bool)
    if s.capacity is not None:
        full |= count >= s.capacity
    if s.capacity_value is not None:
        full |= value >= s.capacity_value * (1 - 1e-6)
    return full


def _text(reason: dict[str, Any]) -> str:
    if reason["locked"]:
        return f"Stays with {reason['from']}: locked ({reason['locked_why']})."
    to_rate = reason["to_rate"]
    evidence = (f"{to_rate['p']:.0%} win probability"
                + (f" (shrunk {to_rate['segment_rate']:.0%} in {reason['segment']} from {to_rate['segment_wins']}/"
                   f"{to_rate['segment_deals']} deals)" if "segment_deals" in to_rate else ""))
    if not reason["moved"]:
        keep = f"Stays with {reason['to']}: {evidence}"
        if reason["from"] is None:
            keep = f"Goes to {reason['to']}: {evidence}"
        return keep + ("; capacity is binding." if reason["capacity_binding"] else ".")
    head = (f"Moves {reason['from'] or 'unowned'} -> {reason['to']}: expected {reason['expected_to']:,.0f} vs "
            f"{reason['expected_from']:,.0f} ({reason['gain']:+,.0f}); {evidence}")
    parts = [head]
    if not reason["region_match"]:
        parts.append("outside the rep's region")
    if reason["capacity_binding"]:
        parts.append(f"{reason['to']} is at capacity")
    return "; ".join(parts) + "."


def explain(problem: TerritoryProblem, assign: np.ndarray, stats: StatsFor | None = None,
            lock_reasons: dict[int, str] | None = None) -> list[dict[str, Any]]:
    """One JSON-ready reason per account (in problem order); ``stats(rep_index, cell_index)`` adds the evidence."""
    stats = stats or (lambda r, c: None)
    lock_reasons = lock_reasons or {}
    result = evaluate(problem, assign)
    full = _binding(problem, result.load_count, result.load_value)
    expected = problem.expected(assign)
    current = problem.expected(problem.current)
    reasons = []
    for a, r in enumerate(np.asarray(assign, int)):
        c, o = int(problem.cell[a]), int(problem.current[a])
        segment, industry, region = problem.cells[c]
        reason: dict[str, Any] = {
            "to": problem.rep_names[r], "from": problem.rep_names[o] if o >= 0 else None,
            "moved": bool(o >= 0 and r != o or o < 0), "value": round(float(problem.value[a]), 2),
            "expected_to": round(float(expected[a]), 2), "expected_from": round(float(current[a]), 2),
            "gain": round(float(expected[a] - current[a]), 2),
            "segment": segment, "industry": industry, "region": region,
            "to_rate": _rate(stats(r, c), float(problem.prob[r, c])),
            "from_rate": _rate(stats(o, c), float(problem.prob[o, c])) if o >= 0 else None,
            "region_match": (problem.rep_regions[r] or region) == region,
            "capacity_binding": bool(full[r]), "locked": bool(problem.locked[a]),
            "locked_why": lock_reasons.get(int(problem.account_ids[a]), "locked") if problem.locked[a] else None}
        reason["text"] = _text(reason)
        reasons.append(reason)
    return reasons
