"""Plotly figures for the win/loss pages: win rate per competitor with its interval, loss reasons per
competitor, a card's quarterly trend and its factor gaps with their Newcombe intervals."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from salesmind.analytics.battlecards import CompetitorRow, LossReasonRow
from salesmind.analytics.winloss import Factor
from salesmind.web.charts import FONT, PALETTE

#: The page's chart boxes are at least this tall (app.css), so shorter figures would leave a gap.
MIN_HEIGHT = 320


def _layout(fig: Any, height: int, left: int = 170, **extra: Any) -> dict[str, Any]:
    fig.update_layout(template="none", height=max(height, MIN_HEIGHT), font=FONT,
                      margin={"l": left, "r": 24, "t": 12, "b": 48},
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
                      legend={"orientation": "h", "yanchor": "top", "y": -0.3, "x": 0, "font": {"size": 12}}, **extra)
    return json.loads(fig.to_json())


def win_rate_chart(rows: Sequence[CompetitorRow], overall: float | None) -> dict[str, Any] | None:
    """Each competitor's win rate (%) with its 95% Wilson interval, and the overall rate as a line."""
    if not rows:
        return None
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    shown = list(reversed(rows))
    fig = go.Figure()
    fig.add_bar(y=[r.label for r in shown], x=[100 * r.rate for r in shown], orientation="h",
                marker={"color": [PALETTE[0] if r.sufficient else "#cbd5e1" for r in shown]},
                error_x={"type": "data", "symmetric": False, "array": [100 * (r.high - r.rate) for r in shown],
                         "arrayminus": [100 * (r.rate - r.low) for r in shown], "color": "#334155"},
                customdata=[[r.won, r.closed] for r in shown], name="Win rate",
                hovertemplate="%{y}: %{x:.0f}% (%{customdata[0]} of %{customdata[1]})<extra></extra>")
    shapes = []
    if overall is not None:
        shapes.append({"type": "line", "x0": 100 * overall, "x1": 100 * overall, "yref": "paper", "y0": 0, "y1": 1,
                       "line": {"color": "#dc2626", "dash": "dot", "width": 1.5}})
    return _layout(fig, 60 + 36 * len(rows), xaxis={"title": "Win rate (%) with 95% interval", "range": [0, 100]},
                   yaxis={"ticksuffix": "  "}, shapes=shapes, showlegend=False)


def loss_reason_chart(reasons: Sequence[LossReasonRow]) -> dict[str, Any] | None:
    """Losses per competitor stacked by loss reason."""
    if not reasons:
        return None
    import plotly.graph_objects as go

    competitors = sorted({c for r in reasons for c in r.by_competitor},
                         key=lambda c: -sum(r.by_competitor.get(c, 0) for r in reasons))
    fig = go.Figure()
    for i, reason in enumerate(reasons):
        fig.add_bar(y=competitors, x=[reason.by_competitor.get(c, 0) for c in competitors], orientation="h",
                    name=reason.reason, marker={"color": PALETTE[i % len(PALETTE)] if i < len(PALETTE) else None},
                    hovertemplate="%{y}: %{x} lost, " + reason.reason.replace("%", "%%") + "<extra></extra>")
    return _layout(fig, 90 + 34 * len(competitors), barmode="stack", xaxis={"title": {"text": "Lost deals",
                                                                                    "standoff": 4}},
                   yaxis={"autorange": "reversed", "ticksuffix": "  "})


def trend_chart(trend: Sequence[dict[str, Any]], overall: Sequence[dict[str, Any]], label: str) -> dict[str, Any] | None:
    """Win rate per quarter against this competitor and overall (marker size: closed deals)."""
    if not trend:
        return None
    import plotly.graph_objects as go

    fig = go.Figure()
    for rows, name, colour in ((overall, "All deals", "#94a3b8"), (trend, label, PALETTE[0])):
        fig.add_scatter(x=[r["quarter"] for r in rows], y=[100 * r["rate"] for r in rows], name=name,
                        mode="lines+markers", line={"color": colour, "width": 2.5},
                        marker={"size": [6 + min(r["closed"], 40) / 3 for r in rows]},
                        customdata=[[r["won"], r["closed"]] for r in rows],
                        hovertemplate="%{x}: %{y:.0f}% (%{customdata[0]} of %{customdata[1]})<extra>" + name + "</extra>")
    return _layout(fig, 300, yaxis={"title": "Win rate (%)", "range": [0, 100]},
                   xaxis={"type": "category"}, left=64)


def factor_chart(factors: Sequence[Factor]) -> dict[str, Any] | None:
    """Win rate inside minus outside each factor's condition (points) with the Newcombe 95% interval."""
    shown = [f for f in factors if f.rate.diff is not None and f.rate.diff_low is not None and not f.outcome_bound]
    if not shown:
        return None
    import plotly.graph_objects as go

    shown = sorted(shown, key=lambda f: f.rate.diff or 0.0)
    fig = go.Figure()
    fig.add_scatter(x=[100 * f.rate.diff for f in shown], y=[f.condition for f in shown], mode="markers",
                    marker={"size": 9, "color": [PALETTE[1] if f.significant else "#94a3b8" for f in shown]},
                    error_x={"type": "data", "symmetric": False,
                             "array": [100 * (f.rate.diff_high - f.rate.diff) for f in shown],
                             "arrayminus": [100 * (f.rate.diff - f.rate.diff_low) for f in shown]},
                    customdata=[[f"{f.q_value:.3f}" if f.q_value is not None else "—"] for f in shown],
                    hovertemplate="%{y}: %{x:+.0f} points (q %{customdata[0]})<extra></extra>", showlegend=False)
    return _layout(fig, 80 + 26 * len(shown), xaxis={"title": "Win-rate gap (points), 95% Newcombe interval",
                                                    "zeroline": True}, yaxis={"ticksuffix": "  "}, left=260)
