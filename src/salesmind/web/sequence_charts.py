"""Plotly figures for the sequence pages: the per-step funnel and each experiment arm's posterior density."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from salesmind.web.charts import FONT, PALETTE

_GRID = "#e2e8f0"


def _layout(fig: Any, height: int, **axes: Any) -> dict[str, Any]:
    fig.update_layout(template="none", height=height, font=FONT, margin={"l": 56, "r": 24, "t": 36, "b": 96},
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", barmode="group",
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "font": {"size": 12}}, **axes)
    return json.loads(fig.to_json())


def funnel_chart(steps: Sequence[Any]) -> dict[str, Any] | None:
    """Touches, emails sent and replies per step (bars), with the reply rate (line, right axis)."""
    if not any(s.touches for s in steps):
        return None
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    x = [f"{s.position}. {s.kind}{' · ' + s.template if s.template else ''}" for s in steps]
    fig = go.Figure()
    for name, values, colour in (("Touches", [s.touches for s in steps], PALETTE[0]),
                                 ("Emails sent", [s.emails_sent for s in steps], PALETTE[1]),
                                 ("Replies", [s.replies for s in steps], PALETTE[2])):
        fig.add_bar(x=x, y=values, name=name, marker={"color": colour}, hovertemplate="%{y}<extra>" + name + "</extra>")
    rate = [None if s.reply_rate is None else 100 * s.reply_rate for s in steps]
    if any(r is not None for r in rate):
        fig.add_scatter(x=x, y=rate, name="Reply rate (%)", mode="lines+markers", yaxis="y2",
                        line={"color": "#dc2626", "width": 2}, connectgaps=False,
                        hovertemplate="%{y:.1f}%<extra>reply rate</extra>")
    return _layout(fig, 320, xaxis={"showgrid": False},
                   yaxis={"title": {"text": "count"}, "rangemode": "tozero", "gridcolor": _GRID},
                   yaxis2={"title": {"text": "reply rate"}, "overlaying": "y", "side": "right", "rangemode": "tozero",
                           "showgrid": False, "ticksuffix": "%"})


def posterior_chart(arms: Sequence[Any], points: int = 400) -> dict[str, Any]:
    """Each arm's Beta posterior density of its reply rate, with its 95% credible interval shaded."""
    import numpy as np
    import plotly.graph_objects as go
    from scipy import stats

    top = min(1.0, max(a.high for a in arms) * 1.4 + 0.01)
    x = np.linspace(0.0, top, points)
    fig = go.Figure()
    for i, arm in enumerate(arms):
        colour = PALETTE[i % len(PALETTE)]
        density = stats.beta.pdf(x, arm.alpha, arm.beta)
        inside = (x >= arm.low) & (x <= arm.high)
        label = f"{arm.arm}{' (control)' if arm.is_control else ''}"
        fig.add_scatter(x=100 * x[inside], y=density[inside], fill="tozeroy", mode="none",
                        fillcolor=_translucent(colour), showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=100 * x, y=density, mode="lines", name=label, line={"color": colour, "width": 2},
                        hovertemplate="%{x:.1f}%<extra>" + label.replace("<", "&lt;")[:60] + "</extra>")
    return _layout(fig, 320, xaxis={"title": {"text": "reply rate"}, "ticksuffix": "%", "showgrid": False},
                   yaxis={"title": {"text": "posterior density"}, "gridcolor": _GRID, "rangemode": "tozero"})


def _translucent(colour: str, alpha: float = 0.15) -> str:
    """``#rrggbb`` as an rgba() fill that lets overlapping intervals show through."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"
