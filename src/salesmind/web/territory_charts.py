"""Plotly figures for a territory plan: expected won revenue against the alternatives, and each rep's load."""

from __future__ import annotations

from typing import Any

from salesmind.web.charts import PALETTE
from salesmind.web.customer_charts import _GRID, _layout

LABELS = {"plan": "This plan", "current": "Current owners", "round_robin": "Round-robin", "greedy": "Greedy"}


def objective_chart(baselines: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Expected won revenue of the plan, the current owners, round-robin and greedy (hatched when infeasible)."""
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    keys = [k for k in LABELS if k in baselines]
    fig = go.Figure(go.Bar(
        x=[LABELS[k] for k in keys], y=[baselines[k]["objective"] for k in keys],
        marker={"color": [PALETTE[1] if k == "plan" else PALETTE[0] for k in keys],
                "pattern": {"shape": ["" if baselines[k]["feasible"] else "/" for k in keys]}},
        text=[f"{baselines[k]['objective']:,.0f}" + ("" if baselines[k]["feasible"] else " (breaks a constraint)")
              for k in keys], textposition="outside", hovertemplate="%{x}: %{y:,.0f}<extra></extra>"))
    return _layout(fig, 300, yaxis={"title": {"text": "expected won revenue"}, "gridcolor": _GRID,
                                    "rangemode": "tozero"}, xaxis={"showgrid": False})


def load_chart(reps: list[dict[str, Any]]) -> dict[str, Any]:
    """Each rep's assigned account value now and under the plan."""
    import plotly.graph_objects as go

    fig = go.Figure()
    names = [r["name"] for r in reps]
    fig.add_bar(x=names, y=[r["current_value"] for r in reps], name="Current", marker={"color": PALETTE[0]},
                hovertemplate="%{x}: %{y:,.0f}<extra>current</extra>")
    fig.add_bar(x=names, y=[r["value"] for r in reps], name="Plan", marker={"color": PALETTE[1]},
                hovertemplate="%{x}: %{y:,.0f}<extra>plan</extra>")
    return _layout(fig, 320, barmode="group", yaxis={"title": {"text": "assigned account value"}, "gridcolor": _GRID},
                   xaxis={"showgrid": False})
