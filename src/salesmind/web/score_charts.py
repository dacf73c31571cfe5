"""Plotly figures for score pages: a record's score history, and a model's reliability and gains."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Sequence

from salesmind.data.models import ModelPrediction
from salesmind.web.charts import FONT, PALETTE

_MAIN = "salesmind"
_BASELINE_COLOURS = dict(zip(("points rule score", "logistic regression", "naive Bayes table"), PALETTE[2:5]))


def _layout(fig: Any, height: int, right: int = 16, bottom: int = 48, **axes: Any) -> dict[str, Any]:
    fig.update_layout(
        template="none", height=height, font=FONT, margin={"l": 60, "r": right, "t": 12, "b": bottom},
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0, "font": {"size": 12}}, **axes,
    )
    return json.loads(fig.to_json())


def score_history_chart(history: Sequence[ModelPrediction]) -> dict[str, Any] | None:
    """The 0-100 score over time as a line with grade hover; ``None`` without scores."""
    points = [p for p in history if p.score is not None]
    if not points:
        return None
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    fig = go.Figure()
    fig.add_scatter(x=[p.scored_at.isoformat() for p in points], y=[round(p.score, 1) for p in points],
                    mode="lines+markers", line={"color": PALETTE[0], "width": 2.5, "shape": "hv"},
                    marker={"size": 7}, name="Score",
                    customdata=[[p.grade or "", p.model_version] for p in points],
                    hovertemplate="%{x|%d %b %Y %H:%M}<br>score %{y} · grade %{customdata[0]}"
                                  "<br>model %{customdata[1]}<extra></extra>")
    xaxis: dict[str, Any] = {"showgrid": False, "type": "date", "tickformat": "%d %b"}
    if len(points) == 1:  # a lone point would otherwise get a millisecond-wide axis
        at = points[0].scored_at
        xaxis["range"] = [(at - timedelta(days=3)).isoformat(), (at + timedelta(days=3)).isoformat()]
    return _layout(fig, 220, showlegend=False, xaxis=xaxis,
                   yaxis={"range": [0, 102], "gridcolor": "#e2e8f0", "zeroline": False, "dtick": 25})


def _models(metrics: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list((metrics or {}).get("models") or [])


def _style(name: str) -> dict[str, Any]:
    if name == _MAIN:
        return {"color": PALETTE[0], "width": 3}
    return {"color": _BASELINE_COLOURS.get(name, PALETTE[5]), "width": 1.5, "dash": "dot"}


def reliability_chart(metrics: dict[str, Any] | None) -> dict[str, Any] | None:
    """Observed rate against mean predicted probability per bin, for the model and its baselines."""
    models = [m for m in _models(metrics) if m.get("reliability")]
    if not models:
        return None
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="Perfect calibration",
                    line={"color": "#94a3b8", "width": 1, "dash": "dash"}, hoverinfo="skip")
    for m in models:
        bins = m["reliability"]
        fig.add_scatter(x=[b["mean_predicted"] for b in bins], y=[b["observed_rate"] for b in bins],
                        mode="lines+markers", name=m["name"], line=_style(m["name"]),
                        customdata=[b["count"] for b in bins],
                        hovertemplate="predicted %{x:.3f}<br>observed %{y:.3f}<br>%{customdata:,} rows"
                                      f"<extra>{m['name']}</extra>")
    grid = {"gridcolor": "#e2e8f0", "zeroline": False, "range": [0, 1], "tickformat": ".0%"}
    return _layout(fig, 400, bottom=120, xaxis={**grid, "title": {"text": "Mean predicted probability"}},
                   yaxis={**grid, "title": {"text": "Observed rate"}})


def gains_chart(metrics: dict[str, Any] | None) -> dict[str, Any] | None:
    """Lift per decile (bars, the model) and cumulative gains (lines, model and baselines)."""
    models = [m for m in _models(metrics) if m.get("lift")]
    if not models:
        return None
    import plotly.graph_objects as go

    fig = go.Figure()
    main = next((m for m in models if m["name"] == _MAIN), models[0])
    fig.add_bar(x=[r["decile"] for r in main["lift"]], y=[r["lift"] for r in main["lift"]],
                name=f"Lift ({main['name']})", marker={"color": "#bfdbfe"}, yaxis="y2",
                hovertemplate="decile %{x}<br>lift %{y:.2f}×<extra></extra>")
    for m in models:
        fig.add_scatter(x=[0] + [r["decile"] for r in m["lift"]], y=[0] + [r["cumulative_gain"] for r in m["lift"]],
                        mode="lines+markers", name=f"Gain ({m['name']})", line=_style(m["name"]),
                        hovertemplate="top %{x}0%<br>%{y:.0%} of conversions" f"<extra>{m['name']}</extra>")
    fig.add_scatter(x=[0, 10], y=[0, 1], mode="lines", name="Random", hoverinfo="skip",
                    line={"color": "#94a3b8", "width": 1, "dash": "dash"})
    return _layout(fig, 400, right=48, bottom=120,
                   xaxis={"title": {"text": "Decile (highest scores first)"}, "dtick": 1, "showgrid": False},
                   yaxis={"title": {"text": "Cumulative gain"}, "tickformat": ".0%", "range": [0, 1.02],
                          "gridcolor": "#e2e8f0", "zeroline": False},
                   yaxis2={"title": {"text": "Lift"}, "overlaying": "y", "side": "right", "showgrid": False, "tickformat": ".1f",
                           "rangemode": "tozero"})
