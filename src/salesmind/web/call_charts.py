"""Plotly figure for the call page: a timeline of who spoke when (a bar row per speaker) with topic markers."""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from salesmind.web.charts import FONT, PALETTE

ROLE_COLOURS = {"rep": PALETTE[0], "prospect": PALETTE[1], "other": "#94a3b8"}
TOPIC_ROW = "Topics"


def call_timeline(utterances: Sequence[Any], roles: Mapping[str, str],
                  topics: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Horizontal bars per speaker for each utterance, and a row of markers where each topic comes up."""
    if not utterances:
        return None
    import plotly.graph_objects as go  # heavy import, only when a chart is drawn

    fig = go.Figure()
    for speaker in dict.fromkeys(u.speaker_label for u in utterances):
        said = [u for u in utterances if u.speaker_label == speaker]
        role = roles.get(speaker, "other")
        fig.add_bar(y=[speaker] * len(said), x=[u.end_seconds - u.start_seconds for u in said],
                    base=[u.start_seconds for u in said], orientation="h", name=f"{speaker} ({role})",
                    marker={"color": ROLE_COLOURS.get(role, ROLE_COLOURS["other"])},
                    customdata=[u.text[:120] for u in said],
                    hovertemplate="%{base:.0f}s: %{customdata}<extra>" + speaker + "</extra>")
    for i, (topic, found) in enumerate(sorted((topics or {}).items())):
        moments = found.get("moments", [])
        if moments:
            fig.add_scatter(x=moments, y=[TOPIC_ROW] * len(moments), mode="markers", name=topic.replace("_", " "),
                            marker={"symbol": "diamond", "size": 10, "color": PALETTE[(i + 2) % len(PALETTE)]},
                            hovertemplate="%{x:.0f}s<extra>" + topic + "</extra>")
    fig.update_layout(template="none", height=140 + 40 * len(fig.data) // 3, font=FONT, barmode="overlay",
                      margin={"l": 140, "r": 24, "t": 12, "b": 48}, paper_bgcolor="rgba(0,0,0,0)",
                      plot_bgcolor="rgba(0,0,0,0)", showlegend=True,
                      legend={"orientation": "h", "yanchor": "top", "y": -0.3, "x": 0, "font": {"size": 11}},
                      xaxis={"title": {"text": "seconds into the call"}, "rangemode": "tozero"},
                      yaxis={"autorange": "reversed"})
    return json.loads(fig.to_json())
