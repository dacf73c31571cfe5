"""Plotly figures for the inbound page: minutes to the first reply, and the daily share answered within target."""

from __future__ import annotations

import json
from typing import Any, Sequence

from salesmind.web.charts import FONT, PALETTE

_GRID = "#e2e8f0"


def _layout(fig: Any, **axes: Any) -> dict[str, Any]:
    fig.update_layout(template="none", height=280, font=FONT, margin={"l": 56, "r": 24, "t": 12, "b": 48},
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", showlegend=False, **axes)
    return json.loads(fig.to_json())


def response_histogram(minutes: Sequence[float], target: float) -> dict[str, Any] | None:
    """A histogram of minutes from submission to the reply being sent, with the target as a line."""
    if not minutes:
        return None
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    fig = go.Figure(go.Histogram(x=list(minutes), marker={"color": PALETTE[0]}, nbinsx=30,
                                 hovertemplate="%{x} min: %{y} leads<extra></extra>"))
    fig.add_vline(x=target, line={"color": "#dc2626", "dash": "dot"}, annotation_text=f"target {target:g} min")
    return _layout(fig, xaxis={"title": {"text": "minutes to the first reply sent"}, "rangemode": "tozero"},
                   yaxis={"title": {"text": "submissions"}, "gridcolor": _GRID}, bargap=0.05)


def daily_share(days: Sequence[Any]) -> dict[str, Any] | None:
    """The share of each day's submissions answered within the target (%)."""
    if not days:
        return None
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=[d.label for d in days], y=[100 * (d.share_within_target or 0) for d in days],
                               mode="lines+markers", line={"color": PALETTE[1], "width": 2},
                               customdata=[d.submissions for d in days],
                               hovertemplate="%{y:.0f}% of %{customdata}<extra></extra>"))
    xaxis: dict[str, Any] = {"type": "date", "showgrid": False, "tickformat": "%d %b"}
    if len(days) <= 14:  # a tick a day (plotly would otherwise tick hours, even milliseconds, around one day)
        xaxis["dtick"] = 86_400_000
    return _layout(fig, xaxis=xaxis,
                   yaxis={"title": {"text": "% within target"}, "range": [0, 105], "gridcolor": _GRID})
