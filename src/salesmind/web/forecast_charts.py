"""Plotly figures for the forecast page: history with forecast bands, the pipeline distribution, the bridge, accuracy."""

from __future__ import annotations

import json
from typing import Any, Sequence

import pandas as pd

from salesmind.web.charts import FONT, PALETTE

_BAND_80 = "rgba(37, 99, 235, 0.28)"
_BAND_95 = "rgba(37, 99, 235, 0.12)"
_GRID = "#e2e8f0"
MAX_SERIES = 6
#: Short names for the bridge's bars (the lists below the chart use the long ones).
BRIDGE_LABELS = {"won": "Won", "lost": "Lost", "slipped": "Slipped", "pushed": "Pushed", "pulled_in": "Pulled in",
                 "new": "New", "removed": "Removed", "amount_changed": "Amount", "probability_changed": "Stage/prob.",
                 "other_bookings": "Other won", "run_rate": "Run-rate", "model_and_simulation": "Model/sim."}


def _layout(fig: Any, height: int, **axes: Any) -> dict[str, Any]:
    fig.update_layout(
        template="none", height=height, font=FONT, margin={"l": 72, "r": 16, "t": 12, "b": 56},
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0, "font": {"size": 12}}, **axes)
    return json.loads(fig.to_json())


def _band(fig: Any, x: list[str], lo: list[float], hi: list[float], colour: str, name: str, group: str) -> None:
    fig.add_scatter(x=x + x[::-1], y=hi + lo[::-1], mode="lines", fill="toself", fillcolor=colour, line={"width": 0},
                    hoverinfo="skip", name=name, legendgroup=group, showlegend=group == "total" or len(x) == 0)


def history_chart(history: pd.DataFrame, points: Sequence[Any]) -> dict[str, Any] | None:
    """Bookings per period (lines) and the forecast with 80% and 95% bands, per series (the largest six)."""
    if history.empty and not points:
        return None
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    ranked = history.groupby("unique_id")["y"].sum().sort_values(ascending=False).index.tolist()
    series = (ranked or sorted({p.unique_id for p in points}))[:MAX_SERIES]
    fig = go.Figure()
    for i, uid in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        past = history[history["unique_id"] == uid].sort_values("ds")
        ahead = [p for p in points if p.unique_id == uid]
        x = [p.ds.isoformat() for p in ahead]
        show_bands = len(series) == 1
        if ahead and show_bands:
            _band(fig, x, [p.lo_95 for p in ahead], [p.hi_95 for p in ahead], _BAND_95, "95% interval", "total")
            _band(fig, x, [p.lo_80 for p in ahead], [p.hi_80 for p in ahead], _BAND_80, "80% interval", "total")
        fig.add_scatter(x=[pd.Timestamp(d).date().isoformat() for d in past["ds"]], y=past["y"].tolist(),
                        mode="lines+markers", name=f"{uid} bookings" if len(series) > 1 else "Bookings",
                        line={"color": colour, "width": 2}, marker={"size": 5},
                        hovertemplate="%{x|%b %Y}<br>%{y:,.0f}<extra></extra>")
        if ahead:
            fig.add_scatter(x=x, y=[p.mean for p in ahead], mode="lines+markers",
                            name=f"{uid} forecast" if len(series) > 1 else "Forecast",
                            line={"color": colour, "width": 2.5, "dash": "dash"}, marker={"size": 7},
                            customdata=[[p.lo_80, p.hi_80, p.lo_95, p.hi_95] for p in ahead],
                            hovertemplate="%{x|%b %Y}<br>forecast %{y:,.0f}<br>80%: %{customdata[0]:,.0f} – "
                                          "%{customdata[1]:,.0f}<br>95%: %{customdata[2]:,.0f} – "
                                          "%{customdata[3]:,.0f}<extra></extra>")
    return _layout(fig, 340, xaxis={"showgrid": False, "type": "date"},
                   yaxis={"gridcolor": _GRID, "zeroline": False, "tickformat": ",.0f", "rangemode": "tozero"})


def distribution_chart(summary: dict[str, Any]) -> dict[str, Any] | None:
    """The simulated period totals as a histogram, with P10 / P50 / P90 and the mean marked."""
    hist = summary.get("histogram") or {}
    counts, edges = hist.get("counts") or [], hist.get("edges") or []
    if not counts or len(edges) != len(counts) + 1:
        return None
    import plotly.graph_objects as go

    total = float(sum(counts)) or 1.0
    centres = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:])]
    fig = go.Figure()
    fig.add_bar(x=centres, y=[c / total for c in counts], width=[b - a for a, b in zip(edges[:-1], edges[1:])],
                marker={"color": PALETTE[0], "opacity": 0.75, "line": {"width": 0}}, name="Simulated totals",
                hovertemplate="%{x:,.0f}<br>%{y:.1%} of simulations<extra></extra>")
    top = max(counts) / total
    for key, label, colour in (("p10", "P10", PALETTE[2]), ("p50", "P50", PALETTE[1]), ("p90", "P90", PALETTE[2])):
        value = summary.get(key)
        if value is None:
            continue
        fig.add_scatter(x=[value, value], y=[0, top * 1.08], mode="lines+text", text=["", label],
                        textposition="top center", line={"color": colour, "width": 2, "dash": "dash"},
                        name=f"{label} {value:,.0f}", hovertemplate=f"{label} {value:,.0f}<extra></extra>")
    return _layout(fig, 300, bargap=0.02, xaxis={"showgrid": False, "tickformat": ",.0f"},
                   yaxis={"gridcolor": _GRID, "tickformat": ".0%", "range": [0, top * 1.2]})


def bridge_chart(payload: dict[str, Any]) -> dict[str, Any] | None:
    """The bridge from the older run's expected value to the newer one's, as a waterfall."""
    bridge = (payload or {}).get("bridge")
    if not bridge:
        return None
    import plotly.graph_objects as go

    steps = [s for s in bridge["steps"] if abs(s["effect"]) >= 0.5]
    labels = ["Last run"] + [BRIDGE_LABELS.get(s["name"], s["name"].replace("_", " ").capitalize())
                             for s in steps] + ["This run"]
    fig = go.Figure(go.Waterfall(
        x=labels, y=[bridge["start"]] + [s["effect"] for s in steps] + [bridge["end"]],
        measure=["absolute"] + ["relative"] * len(steps) + ["total"],
        connector={"line": {"color": "#94a3b8", "width": 1}},
        increasing={"marker": {"color": PALETTE[1]}}, decreasing={"marker": {"color": PALETTE[4]}},
        totals={"marker": {"color": PALETTE[0]}}, hovertemplate="%{x}<br>%{y:,.0f}<extra></extra>"))
    low = min(bridge["start"], bridge["end"])
    return _layout(fig, 320, showlegend=False, xaxis={"showgrid": False},
                   yaxis={"gridcolor": _GRID, "tickformat": ",.0f", "range": [max(0.0, low * 0.7),
                                                                             max(bridge["start"], bridge["end"]) * 1.15
                                                                             + 1]})


def accuracy_chart(report: dict[str, Any]) -> dict[str, Any] | None:
    """Rolling MAPE and 80% / 95% coverage per run, oldest first."""
    rows = (report or {}).get("rolling") or []
    if not rows:
        return None
    import plotly.graph_objects as go

    x = [r["as_of"][:10] for r in rows]
    fig = go.Figure()
    for key, name, colour, dash in (("mape", "MAPE", PALETTE[4], "solid"), ("coverage_80", "80% coverage", PALETTE[0],
                                    "dot"), ("coverage_95", "95% coverage", PALETTE[1], "dot")):
        fig.add_scatter(x=x, y=[r[key] for r in rows], mode="lines+markers", name=name,
                        line={"color": colour, "dash": dash}, hovertemplate="%{x}<br>%{y:.1%}<extra></extra>")
    return _layout(fig, 260, xaxis={"showgrid": False, "type": "category"},
                   yaxis={"gridcolor": _GRID, "tickformat": ".0%", "rangemode": "tozero"})
