"""A self-contained HTML page for an evaluation: metrics table and Plotly charts (no CDN)."""

from __future__ import annotations

import html
from pathlib import Path

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from sklearn.metrics import precision_recall_curve, roc_curve

from salesmind.scoring.evaluate import EvaluationReport

_STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px}
table{border-collapse:collapse}
td,th{padding:.3rem .7rem;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}.warn{color:#9a3412}"""


def _figure(title: str, x_title: str, y_title: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, height=420,
                      margin={"l": 60, "r": 20, "t": 50, "b": 50})
    return fig


def _charts(report: EvaluationReport) -> list[go.Figure]:
    y = report.labels
    roc = _figure("ROC curve (out-of-fold)", "false positive rate", "true positive rate")
    pr = _figure("Precision-recall curve (out-of-fold)", "recall", "precision")
    rel = _figure(f"Reliability diagram ({report.ece_bins} equal-width bins)",
                  "mean predicted probability", "observed rate")
    gains = _figure("Cumulative gains by decile", "decile (highest scores first)",
                    "share of positives captured")
    lift = _figure("Lift by decile", "decile (highest scores first)", "lift over base rate")
    rel.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect", line={"dash": "dot"})
    roc.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance", line={"dash": "dot"})
    for m in report.models:
        if y is not None and m.name in report.predictions:
            fpr, tpr, _ = roc_curve(y, report.predictions[m.name])
            step = max(1, len(fpr) // 800)
            roc.add_scatter(x=fpr[::step], y=tpr[::step], mode="lines", name=m.name)
            prec, rec, _ = precision_recall_curve(y, report.predictions[m.name])
            step = max(1, len(prec) // 800)
            pr.add_scatter(x=rec[::step], y=prec[::step], mode="lines", name=m.name)
        rel.add_scatter(x=[b["mean_predicted"] for b in m.reliability],
                        y=[b["observed_rate"] for b in m.reliability], mode="lines+markers",
                        name=m.name, text=[f"{b['count']:,} rows" for b in m.reliability])
        gains.add_scatter(x=[0] + [d["decile"] for d in m.lift],
                          y=[0] + [d["cumulative_gain"] for d in m.lift], mode="lines+markers",
                          name=m.name)
        lift.add_bar(x=[d["decile"] for d in m.lift], y=[d["lift"] for d in m.lift], name=m.name)
    return [roc, pr, rel, gains, lift]


def _table(report: EvaluationReport) -> str:
    head = ("<tr><th>model</th><th>ROC-AUC</th><th>PR-AUC</th><th>log loss</th><th>Brier</th>"
            "<th>ECE</th><th>fit seconds</th></tr>")
    rows = "".join(
        f"<tr><td>{html.escape(m.name)}</td><td>{m.metrics.roc_auc:.4f}</td>"
        f"<td>{m.metrics.pr_auc:.4f}</td><td>{m.metrics.log_loss:.4f}</td>"
        f"<td>{m.metrics.brier:.4f}</td><td>{m.metrics.ece:.4f}</td>"
        f"<td>{m.fit_seconds:.1f}</td></tr>" for m in report.models)
    return f"<table>{head}{rows}</table>"


def render_html(report: EvaluationReport) -> str:
    """The whole page as a string, with plotly.js inlined from the installed package."""
    charts = "".join(f.to_html(full_html=False, include_plotlyjs=False) for f in _charts(report))
    items = "".join(f"<li class='warn'>{html.escape(w)}</li>" for w in report.warnings)
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in report.notes)
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>salesmind evaluation: {html.escape(report.dataset)}</title><style>{_STYLE}</style>
<script>{get_plotlyjs()}</script></head><body>
<h1>Evaluation: {html.escape(report.dataset)}</h1>
<p>Target <b>{html.escape(report.target)}</b>, {report.n_rows:,} rows, positive rate
{report.positive_rate:.2%}; stratified {report.n_folds}-fold cross-validation, every model trained
on the same folds; metrics pooled over the out-of-fold predictions. ECE uses {report.ece_bins}
equal-width bins.</p>
{_table(report)}
<h2>Leak warnings</h2><ul>{items or "<li>none</li>"}</ul>
<h2>Notes</h2><ul>{notes or "<li>none</li>"}</ul>
{charts}
</body></html>"""


def write_html(report: EvaluationReport, path: str | Path) -> Path:
    """Write :func:`render_html` to ``path`` and return it."""
    path = Path(path)
    path.write_text(render_html(report), encoding="utf-8")
    return path
