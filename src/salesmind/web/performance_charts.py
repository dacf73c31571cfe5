"""Plotly figures for the performance pages: stage conversion against the team, win rate by quarter, and the
baseline-versus-after means of a change."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from salesmind.web.charts import FONT, PALETTE


def _layout(fig: Any, x_title: str, y_title: str, height: int = 340) -> dict[str, Any]:
    fig.update_layout(template="none", height=height, font=FONT, margin={"l": 64, "r": 24, "t": 24, "b": 64},
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
                      legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
                      xaxis={"title": {"text": x_title}}, yaxis={"title": {"text": y_title}, "rangemode": "tozero"})
    return json.loads(fig.to_json())


def stage_conversion_chart(stages: Sequence[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """Grouped bars: per stage, the rep's share of resolved deals that moved past it against the whole team's."""
    rows = [s for s in stages if s["team"] is not None]
    if not rows:
        return None
    import plotly.graph_objects as go

    fig = go.Figure()
    for key, label, colour in (("rep", name, PALETTE[0]), ("team", "Whole team", PALETTE[1])):
        fig.add_bar(x=[s["stage"].replace("_", " ") for s in rows],
                    y=[None if s[key] is None else 100 * s[key] for s in rows], name=label, marker={"color": colour},
                    customdata=[s[f"{key}_n"] for s in rows],
                    hovertemplate=f"{label}: %{{y:.0f}}% of %{{customdata}} deals<extra></extra>")
    return _layout(fig, "stage", "moved past the stage (%)")


def win_rate_trend_chart(quarters: Sequence[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """Lines: win rate by quarter of close, the rep against the whole team."""
    if not quarters:
        return None
    import plotly.graph_objects as go

    fig = go.Figure()
    for key, label, colour in (("rep", name, PALETTE[0]), ("team", "Whole team", PALETTE[1])):
        fig.add_scatter(x=[q["quarter"] for q in quarters], y=[None if q[key] is None else 100 * q[key]
                                                              for q in quarters],
                        mode="lines+markers", name=label, line={"color": colour}, connectgaps=False,
                        customdata=[q[f"{key}_n"] for q in quarters],
                        hovertemplate=f"{label} %{{x}}: %{{y:.0f}}% of %{{customdata}} closed<extra></extra>")
    return _layout(fig, "quarter closed", "win rate (%)")


def impact_chart(result: dict[str, Any]) -> dict[str, Any] | None:
    """Before and after means of the treated reps and (when there is one) the control group."""
    import plotly.graph_objects as go

    fig = go.Figure()
    drawn = False
    for group, label, colour in (("treated", "Treated", PALETTE[0]), ("control", "Control", PALETTE[1])):
        cells = [result[f"{group}_before"], result[f"{group}_after"]]
        if any(c["mean"] is None for c in cells):
            continue
        drawn = True
        fig.add_scatter(x=["before", "after"], y=[c["mean"] for c in cells], mode="lines+markers", name=label,
                        line={"color": colour}, customdata=[c["n"] for c in cells],
                        hovertemplate=f"{label} %{{x}}: %{{y:.3g}} (n = %{{customdata}})<extra></extra>")
    if not drawn:
        return None
    return _layout(fig, f"{result['window_days']} days either side of {result['change']}", result["metric"])
