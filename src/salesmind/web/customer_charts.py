"""Plotly figures for the customer pages: churn risk and lifetime value over time, the customer map."""

from __future__ import annotations

import json
from typing import Any, Sequence

from salesmind.web.charts import FONT, PALETTE

_GRID = "#e2e8f0"


def _layout(fig: Any, height: int, hovermode: str = "x unified", **axes: Any) -> dict[str, Any]:
    fig.update_layout(
        template="none", height=height, font=FONT, margin={"l": 64, "r": 64, "t": 12, "b": 48},
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", hovermode=hovermode,
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0, "font": {"size": 12}}, **axes)
    return json.loads(fig.to_json())


def health_chart(history: Sequence[Any], threshold: float | None = None) -> dict[str, Any] | None:
    """Churn risk (left axis, %) and lifetime value with its band (right axis) at every stored refresh."""
    points = [v for v in history if v.churn_probability is not None or v.clv is not None]
    if not points:
        return None
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    x = [v.as_of.date().isoformat() for v in points]
    fig = go.Figure()
    risk = [None if v.churn_probability is None else 100 * v.churn_probability for v in points]
    if any(r is not None for r in risk):
        fig.add_scatter(x=x, y=risk, mode="lines+markers", name="Churn risk (%)",
                        line={"color": "#dc2626", "width": 2.5}, marker={"size": 6},
                        hovertemplate="%{y:.1f}%<extra>churn risk</extra>")
        if threshold is not None:
            fig.add_scatter(x=[x[0], x[-1]], y=[100 * threshold] * 2, mode="lines", name="Warning threshold",
                            line={"color": "#dc2626", "width": 1, "dash": "dot"}, hoverinfo="skip")
    value = [v for v in points if v.clv is not None]
    if value:
        vx = [v.as_of.date().isoformat() for v in value]
        if all(v.clv_low is not None and v.clv_high is not None for v in value):
            fig.add_scatter(x=vx + vx[::-1], y=[v.clv_high for v in value] + [v.clv_low for v in value][::-1],
                            fill="toself", fillcolor="rgba(13, 148, 136, 0.15)", line={"width": 0},
                            mode="lines", name="Lifetime value 80% band", yaxis="y2", hoverinfo="skip")
        fig.add_scatter(x=vx, y=[v.clv for v in value], mode="lines+markers", name="Lifetime value",
                        line={"color": PALETTE[1], "width": 2}, marker={"size": 5}, yaxis="y2",
                        hovertemplate="%{y:,.0f}<extra>lifetime value</extra>")
    return _layout(fig, 300,
                   xaxis={"showgrid": False, "type": "date"},
                   yaxis={"title": {"text": "churn risk (%)"}, "rangemode": "tozero", "gridcolor": _GRID,
                          "ticksuffix": "%"},
                   yaxis2={"title": {"text": "lifetime value"}, "overlaying": "y", "side": "right",
                           "rangemode": "tozero", "showgrid": False, "tickformat": ",.0f"})


def customer_map(rows: Sequence[Any]) -> dict[str, Any] | None:
    """Each visible customer as a point: churn risk against lifetime value, coloured by segment."""
    points = [r for r in rows if r.churn_probability is not None and r.clv is not None]
    if not points:
        return None
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    fig = go.Figure()
    segments = sorted({r.segment or "no segment" for r in points})
    for i, segment in enumerate(segments):
        chosen = [r for r in points if (r.segment or "no segment") == segment]
        fig.add_scatter(
            x=[r.clv for r in chosen], y=[100 * r.churn_probability for r in chosen], mode="markers",
            name=segment, marker={"color": PALETTE[i % len(PALETTE)], "size": 9, "opacity": 0.8},
            customdata=[[r.name, r.account_id] for r in chosen],
            hovertemplate="%{customdata[0]}<br>value %{x:,.0f}<br>risk %{y:.1f}%<extra></extra>")
    return _layout(fig, 320, hovermode="closest",
                   xaxis={"title": {"text": "lifetime value"}, "gridcolor": _GRID, "tickformat": ",.0f"},
                   yaxis={"title": {"text": "churn risk (%)"}, "gridcolor": _GRID, "ticksuffix": "%",
                          "rangemode": "tozero"})
