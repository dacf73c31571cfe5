"""Plotly figures for pages, as plain JSON-ready dicts that static/charts.js draws with plotly.js."""

from __future__ import annotations

import json
from typing import Any

from salesmind.data.dashboard import StageTotal
from salesmind.web.formatting import label, money

#: Series colours, chosen to match static/app.css and stay readable for colour-blind viewers.
PALETTE = ("#2563eb", "#0d9488", "#d97706", "#7c3aed", "#db2777", "#475569")
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13, "color": "#334155"}


def pipeline_chart(totals: list[StageTotal]) -> dict[str, Any] | None:
    """Open pipeline per stage as a bar chart, one bar series per currency; ``None`` without deals."""
    if not totals:
        return None
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    stages = list(dict.fromkeys(t.stage for t in totals))
    currencies = sorted({t.currency for t in totals})
    fig = go.Figure()
    for i, currency in enumerate(currencies):
        by_stage = {t.stage: t for t in totals if t.currency == currency}
        rows = [by_stage.get(s) for s in stages]
        fig.add_bar(
            name=currency,
            x=[label(s) for s in stages],
            y=[float(r.amount) if r else 0.0 for r in rows],
            customdata=[[money(r.amount, currency) if r else "", r.deals if r else 0] for r in rows],
            hovertemplate="%{x}<br>%{customdata[0]}<br>%{customdata[1]} deals<extra></extra>",
            marker={"color": PALETTE[i % len(PALETTE)]},
        )
    fig.update_layout(
        template="none", barmode="group", bargap=0.35, height=320, font=FONT,
        margin={"l": 64, "r": 16, "t": 16, "b": 48},
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        showlegend=len(currencies) > 1, legend={"orientation": "h", "y": 1.1},
        yaxis={"gridcolor": "#e2e8f0", "zeroline": False, "tickformat": ",.0f",
               "title": {"text": " / ".join(currencies)}},
        xaxis={"showgrid": False},
    )
    return json.loads(fig.to_json())
