"""Plotly figure for the coaching page: each rep's mean talk ratio against their win rate, with Gong's lines."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from salesmind.conversations.coaching import TALK_RATIO_MAX, TALK_RATIO_TOP
from salesmind.web.charts import FONT, PALETTE


def talk_vs_win_chart(reps: Sequence[Any]) -> dict[str, Any] | None:
    """A point per rep (talk ratio %, win rate % with its Wilson interval); dashed lines at 43% and 65% talk."""
    points = [r for r in reps if r.win is not None and r.metric("talk_ratio").rep.mean is not None]
    if not points:
        return None
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    fig = go.Figure()
    for top, name, colour in ((True, "Top performers", PALETTE[1]), (False, "Other reps", PALETTE[0])):
        group = [r for r in points if r.is_top == top]
        if not group:
            continue
        fig.add_scatter(
            x=[100 * r.metric("talk_ratio").rep.mean for r in group], y=[100 * r.win.rate for r in group],
            mode="markers+text", name=name, text=[r.name for r in group], textposition="top center",
            marker={"size": 12, "color": colour},
            error_y={"type": "data", "symmetric": False, "array": [100 * (r.win.high - r.win.rate) for r in group],
                     "arrayminus": [100 * (r.win.rate - r.win.low) for r in group], "thickness": 1},
            customdata=[[r.win.won, r.win.closed] for r in group],
            hovertemplate="%{text}: talks %{x:.0f}%, won %{customdata[0]} of %{customdata[1]} (%{y:.0f}%)<extra></extra>")
    for x, label in ((TALK_RATIO_TOP, "top sellers 43%"), (TALK_RATIO_MAX, "over 65% lowers conversion")):
        fig.add_vline(x=100 * x, line={"dash": "dash", "color": "#64748b", "width": 1},
                      annotation_text=label, annotation_position="top")
    fig.update_layout(template="none", height=380, font=FONT, margin={"l": 64, "r": 24, "t": 36, "b": 56},
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
                      legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
                      xaxis={"title": {"text": "rep talk ratio (%, mean over calls)"}},
                      yaxis={"title": {"text": "win rate (%, 95% Wilson interval)"}, "rangemode": "tozero"})
    return json.loads(fig.to_json())
