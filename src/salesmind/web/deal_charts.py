"""Plotly figure for the deal page: the health score at every refresh and the prospect's sentiment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from salesmind.web.charts import PALETTE
from salesmind.web.customer_charts import _GRID, _layout


def deal_health_chart(history: Sequence[Any], sentiment: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """Health score (left axis, 0-100) at each refresh and prospect sentiment per call or email (right axis)."""
    if not history and not sentiment:
        return None
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    fig = go.Figure()
    if history:
        fig.add_scatter(x=[p.as_of.isoformat() for p in history], y=[p.score for p in history],
                        mode="lines+markers", name="Health score", line={"color": PALETTE[0], "width": 2.5},
                        marker={"size": 6}, hovertemplate="%{y:.0f}<extra>health</extra>")
    for source, colour, symbol in (("call", PALETTE[2], "circle"), ("email", PALETTE[3], "diamond")):
        points = [p for p in sentiment if p["source"] == source]
        if points:
            fig.add_scatter(x=[p["at"] for p in points], y=[p["score"] for p in points], mode="markers",
                            name=f"Prospect sentiment ({source})", yaxis="y2",
                            marker={"color": colour, "size": 8, "symbol": symbol},
                            hovertemplate="%{y:+.2f}<extra>" + source + "</extra>")
    return _layout(fig, 280, hovermode="closest",
                   xaxis={"showgrid": False, "type": "date"},
                   yaxis={"title": {"text": "health (0-100)"}, "range": [0, 105], "gridcolor": _GRID},
                   yaxis2={"title": {"text": "sentiment (-1 to 1)"}, "overlaying": "y", "side": "right",
                           "range": [-1.05, 1.05], "showgrid": False, "zeroline": True})
