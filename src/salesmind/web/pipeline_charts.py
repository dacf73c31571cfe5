"""Plotly figures for the manager dashboard: funnel, stage-flow Sankey, velocity trend and drivers,
coverage gauge and the lead-cohort heatmap (JSON-ready dicts that static/charts.js draws)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from salesmind.web.charts import PALETTE
from salesmind.web.customer_charts import _GRID, _layout
from salesmind.web.formatting import label

_OUTCOME_COLOURS = {"won": "#16a34a", "lost": "#dc2626"}
DRIVER_LABELS = {"open_deals": "Open deals", "win_rate": "Win rate", "deal_size": "Deal size",
                 "cycle_days": "Cycle length"}


def _name(stage: str) -> str:
    return label(stage) if stage not in ("won", "lost") else stage.capitalize()


def funnel_chart(funnel: pd.DataFrame) -> dict[str, Any] | None:
    """Deals created in the period reaching each stage (and won) as a funnel; None without deals."""
    if funnel.empty or int(funnel["deals"].max()) == 0:
        return None
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    fig = go.Figure(go.Funnel(y=[_name(s) for s in funnel["stage"]], x=funnel["deals"].tolist(),
                              textinfo="value+percent initial", marker={"color": PALETTE[0]},
                              hovertemplate="%{y}: %{x} deals<extra></extra>"))
    figure = _layout(fig, 300, hovermode="closest")
    figure["layout"]["margin"]["l"] = 110  # room for the stage names
    return figure


def sankey_chart(flows: pd.DataFrame, stages: list[str]) -> dict[str, Any] | None:
    """Moves out of each stage in the period (stage -> later stage / won / lost); moves back are left out."""
    flows = flows[flows["target"] != "back"]
    if flows.empty:
        return None
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    nodes = list(stages) + ["won", "lost"]
    index = {n: i for i, n in enumerate(nodes)}
    colours = [PALETTE[0]] * len(stages) + [_OUTCOME_COLOURS["won"], _OUTCOME_COLOURS["lost"]]
    link_colours = ["rgba(22,163,74,0.35)" if t == "won" else "rgba(220,38,38,0.25)" if t == "lost"
                    else "rgba(37,99,235,0.25)" for t in flows["target"]]
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node={"label": [_name(n) for n in nodes], "color": colours, "pad": 18, "thickness": 16},
        link={"source": [index[s] for s in flows["source"]], "target": [index[t] for t in flows["target"]],
              "value": flows["deals"].astype(int).tolist(), "color": link_colours,
              "hovertemplate": "%{source.label} → %{target.label}: %{value} deals<extra></extra>"}))
    return _layout(fig, 340, hovermode="closest")


def velocity_chart(trend: pd.DataFrame) -> dict[str, Any] | None:
    """Velocity (money per day) per period, oldest first."""
    known = trend.dropna(subset=["velocity"]) if len(trend) else trend
    if known.empty:
        return None
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    x = [f"{pd.Timestamp(s):%Y-%m-%d}" for s in known["start"]]
    fig = go.Figure(go.Bar(x=x, y=known["velocity"].tolist(), marker={"color": PALETTE[1]},
                           customdata=list(zip(known["open_deals"], known["win_rate"], known["deal_size"],
                                               known["cycle_days"])),
                           hovertemplate=("from %{x}: %{y:,.0f} per day<br>%{customdata[0]} open deals, "
                                          "win rate %{customdata[1]:.0%}, size %{customdata[2]:,.0f}, "
                                          "cycle %{customdata[3]:.0f} days<extra></extra>")))
    return _layout(fig, 260, hovermode="closest", xaxis={"type": "category", "title": {"text": "period start"}},
                   yaxis={"title": {"text": "velocity per day"}, "gridcolor": _GRID, "tickformat": ",.0f"})


def drivers_chart(change: dict[str, Any] | None) -> dict[str, Any] | None:
    """The change in velocity against the previous period as a waterfall of its four drivers."""
    if not change or change.get("change") is None:
        return None
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    parts = change["parts"]
    fig = go.Figure(go.Waterfall(
        x=[DRIVER_LABELS[d] for d in parts] + ["Change"], y=list(parts.values()) + [change["change"]],
        measure=["relative"] * len(parts) + ["total"], connector={"line": {"color": "#94a3b8"}},
        increasing={"marker": {"color": _OUTCOME_COLOURS["won"]}},
        decreasing={"marker": {"color": _OUTCOME_COLOURS["lost"]}}, totals={"marker": {"color": PALETTE[0]}},
        hovertemplate="%{x}: %{y:+,.0f} per day<extra></extra>"))
    return _layout(fig, 260, hovermode="closest", yaxis={"gridcolor": _GRID, "tickformat": "+,.0f"})


def coverage_chart(result: dict[str, Any]) -> dict[str, Any] | None:
    """Coverage (open pipeline / target) as a gauge, with the usual 3x rule of thumb marked."""
    if result.get("coverage") is None:
        return None
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    value = float(result["coverage"])
    fig = go.Figure(go.Indicator(
        mode="gauge+number", value=value, number={"suffix": "×", "valueformat": ".2f"},
        gauge={"axis": {"range": [0, max(4.0, value * 1.1)]}, "bar": {"color": PALETTE[0]},
               "steps": [{"range": [0, 1], "color": "#fee2e2"}, {"range": [1, 3], "color": "#fef3c7"}],
               "threshold": {"line": {"color": "#334155", "width": 3}, "value": 3.0}}))
    return _layout(fig, 220, hovermode="closest")


def cohort_chart(table: pd.DataFrame) -> dict[str, Any] | None:
    """Share of leads converted per source (rows) and created month (columns)."""
    if table.empty:
        return None
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    share = table.pivot(index="source", columns="month", values="converted_share").sort_index()
    leads = table.pivot(index="source", columns="month", values="leads").reindex_like(share)
    fig = go.Figure(go.Heatmap(
        z=(share * 100).round(1).where(share.notna(), None).values.tolist(), x=list(share.columns),
        y=list(share.index), colorscale="Blues", colorbar={"title": {"text": "% converted"}},
        customdata=leads.fillna(0).astype(int).values.tolist(),
        hovertemplate="%{y}, %{x}: %{z:.1f}% of %{customdata} leads converted<extra></extra>"))
    return _layout(fig, 80 + 28 * len(share.index), hovermode="closest", xaxis={"type": "category"})
