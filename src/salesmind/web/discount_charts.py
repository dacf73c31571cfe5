"""Plotly figures for discount guidance: a deal's win probability and expected value over the discount,
the model's calibration on the test slice, and its average response curve."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from salesmind.web.charts import PALETTE
from salesmind.web.customer_charts import _GRID, _layout


def deal_discount_chart(rec: Any) -> dict[str, Any]:
    """p(win) (left axis, %) and expected value (right axis) over the grid; current, recommended, guardrail marked."""
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    fig = go.Figure()
    fig.add_scatter(x=rec.grid, y=[100 * p for p in rec.p], mode="lines", name="Win probability (%)",
                    line={"color": PALETTE[0], "width": 2.5}, hovertemplate="%{x}%: %{y:.1f}%<extra>p(win)</extra>")
    fig.add_scatter(x=rec.grid, y=rec.value, mode="lines", name=f"Expected {rec.objective}", yaxis="y2",
                    line={"color": PALETTE[2], "width": 2.5}, hovertemplate="%{x}%: %{y:,.0f}<extra>expected</extra>")
    fig.add_scatter(x=[rec.current_pct], y=[rec.current_value], mode="markers", yaxis="y2",
                    name=f"Current ({rec.current_pct:g}%)", marker={"color": PALETTE[3], "size": 11, "symbol": "circle"})
    fig.add_scatter(x=[rec.recommended_pct], y=[rec.recommended_value], mode="markers", yaxis="y2",
                    name=f"Recommended ({rec.recommended_pct:g}%)",
                    marker={"color": PALETTE[1], "size": 13, "symbol": "star"})
    fig.add_vline(x=rec.max_pct, line={"color": "#dc2626", "dash": "dash", "width": 1.5},
                  annotation_text=f"guardrail {rec.max_pct:g}%", annotation_position="top left")
    figure = _layout(fig, 320, xaxis={"title": {"text": "discount (%)"}, "showgrid": False},
                     yaxis={"title": {"text": "win probability (%)"}, "range": [0, 100], "gridcolor": _GRID},
                     yaxis2={"title": {"text": f"expected {rec.objective}"}, "overlaying": "y", "side": "right",
                             "showgrid": False, "rangemode": "tozero"})
    figure["layout"]["legend"]["y"] = -0.3  # below the axis title
    figure["layout"]["margin"]["b"] = 72
    return figure


def calibration_chart(table: Sequence[dict[str, float]]) -> dict[str, Any] | None:
    """Observed win rate against mean predicted probability per bin (test slice), with the diagonal."""
    if not table:
        return None
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="Perfect calibration",
                    line={"color": "#94a3b8", "dash": "dot"}, hoverinfo="skip")
    fig.add_scatter(x=[r["mean_predicted"] for r in table], y=[r["observed_rate"] for r in table],
                    mode="lines+markers", name="Monotone model", line={"color": PALETTE[0], "width": 2.5},
                    marker={"size": [6 + min(14, r["count"] ** 0.5) for r in table]},
                    customdata=[r["count"] for r in table],
                    hovertemplate="predicted %{x:.2f}, observed %{y:.2f} (%{customdata} deals)<extra></extra>")
    return _layout(fig, 280, hovermode="closest",
                   xaxis={"title": {"text": "predicted win probability"}, "range": [0, 1], "showgrid": False},
                   yaxis={"title": {"text": "observed win rate"}, "range": [0, 1], "gridcolor": _GRID})


def response_chart(response: dict[str, list[float]]) -> dict[str, Any] | None:
    """The model's mean win probability over the test deals at each discount (the average response)."""
    if not response or not response.get("p"):
        return None
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_scatter(x=response["discount_pct"], y=[100 * p for p in response["p"]], mode="lines",
                    name="Mean win probability (%)", line={"color": PALETTE[0], "width": 2.5},
                    hovertemplate="%{x}%: %{y:.1f}%<extra></extra>")
    return _layout(fig, 260, xaxis={"title": {"text": "discount (%)"}, "showgrid": False},
                   yaxis={"title": {"text": "mean win probability (%)"}, "gridcolor": _GRID})
