"""``salesmind score``: train/predict on any table; crm-train, rescore, models and drift for the CRM."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from salesmind.cli.main import app, console, emit_json, err_console, fail
from salesmind.core.errors import SalesmindError

score_app = typer.Typer(help="Train, evaluate and apply lead/deal scoring models on any table.",
                        no_args_is_help=True)
app.add_typer(score_app, name="score")


def _metrics_table(report) -> Table:  # type: ignore[no-untyped-def]
    table = Table(title=f"{report.n_folds}-fold cross-validation, {report.n_rows:,} rows "
                        f"({report.positive_rate:.1%} positive)")
    for head in ("model", "ROC-AUC", "PR-AUC", "log loss", "Brier", "ECE", "fit s"):
        table.add_column(head, justify="left" if head == "model" else "right")
    for m in report.models:
        x = m.metrics
        table.add_row(m.name, f"{x.roc_auc:.4f}", f"{x.pr_auc:.4f}", f"{x.log_loss:.4f}",
                      f"{x.brier:.4f}", f"{x.ece:.4f}", f"{m.fit_seconds:.1f}")
    return table


@score_app.command("train")
def train(
    csv: Path = typer.Option(..., "--csv", help="Historical leads or deals (CSV, .gz ok)."),
    target: str = typer.Option(..., "--target", help="Outcome column (yes/no, 1/0, won/lost...)."),
    exclude: Optional[list[str]] = typer.Option(None, "--exclude",
                                                help="Column to leave out (repeat)."),
    time_column: Optional[str] = typer.Option(None, "--time-column",
                                              help="Date column: validate on the newest rows."),
    cv: int = typer.Option(5, "--cv", help="Cross-validation folds for the report (0 = skip)."),
    out: Path = typer.Option(Path("salesmind-model"), "--out", help="Folder to save the model in."),
    report_path: Optional[Path] = typer.Option(None, "--report", help="Write an HTML report here."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Train, cross-validate against baselines, calibrate and save a scoring model."""
    from salesmind.scoring import read_table, save_model, train_and_evaluate, write_html

    try:
        frame = read_table(csv)
        with nullcontext() if as_json else err_console.status("training", spinner="dots") as status:
            def progress(msg: str) -> None:
                if status is not None:
                    status.update(f"training: {msg}")

            result = train_and_evaluate(frame, target, tuple(exclude or ()), time_column, cv,
                                        dataset=csv.name, progress=progress)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    assert result.model is not None
    metrics = result.report.to_dict()["models"] if result.report else None
    meta = save_model(result.model, out, metrics)
    if report_path is not None and result.report is not None:
        write_html(result.report, report_path)
    if as_json:
        emit_json({"model_dir": str(out), "metadata": meta,
                   "evaluation": result.report.to_dict() if result.report else None})
        return
    if result.report is not None:
        console.print(_metrics_table(result.report))
    for warning in result.model.warnings_:
        err_console.print(f"[yellow]leak warning:[/] {warning}", highlight=False)
    for note in result.model.notes_:
        console.print(f"note: {note}", highlight=False)
    console.print(f"[green]saved[/] {meta['model_kind']} model {meta['version']} to {out} "
                  f"(calibration: {meta['calibration_method']})", highlight=False)
    if report_path is not None and result.report is not None:
        console.print(f"report: {report_path}")


@score_app.command("predict")
def predict(
    model_dir: Path = typer.Option(..., "--model", help="Folder written by 'score train'."),
    csv: Path = typer.Option(..., "--csv", help="Table to score."),
    out: Path = typer.Option(Path("scored.csv"), "--out", help="Where to write the scored table."),
    top: int = typer.Option(3, "--top", help="Reasons per direction per row."),
    as_json: bool = typer.Option(False, "--json", help="Print a summary as JSON."),
) -> None:
    """Score a table: adds probability, score (0-100), grade, reasons and model columns."""
    from salesmind.scoring import load_model, read_table, score_table

    try:
        model, meta = load_model(model_dir)
        frame = read_table(csv)
        with nullcontext() if as_json else err_console.status("scoring", spinner="dots"):
            scored = score_table(model, frame, top)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    scored.to_csv(out, index=False)
    summary = {"rows": len(scored), "out": str(out), "model_version": meta["version"],
               "model_kind": meta["model_kind"],
               "grades": scored["grade"].value_counts().sort_index().to_dict()}
    if as_json:
        emit_json(summary)
    else:
        console.print(f"scored {len(scored):,} rows with {meta['model_kind']} model "
                      f"{meta['version']} → {out}; grades {summary['grades']}", highlight=False)


_KIND = typer.Option(..., "--kind", help="lead or opportunity.")


@score_app.command("crm-train")
def crm_train(kind: str = typer.Option(..., "--kind", help="lead, opportunity or subscription (churn risk)."),
              as_of: Optional[str] = typer.Option(None, "--as-of", help="Train on what was known at this "
                                                  "day or time (ISO 8601, UTC; default now), e.g. for backtests."),
              as_json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Train a lead or deal model on this CRM, compare it on the newest rows, promote if not worse."""
    from salesmind.cli.context import open_database, parse_as_of
    from salesmind.scoring.crm import train_crm_model

    try:
        now = parse_as_of(as_of)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    database = open_database()
    try:
        with nullcontext() if as_json else err_console.status("training", spinner="dots") as status:
            def progress(msg: str) -> None:
                if status is not None:
                    status.update(f"training: {msg}")

            version = train_crm_model(database, kind, now=now,
                                      models_dir=database.settings.models_dir, progress=progress)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    summary = _version_dict(version)
    if as_json:
        emit_json({**summary, "metrics": version.metrics, "features": version.features})
        return
    table = Table(title=f"{version.name} {version.version}: held-out newest "
                        f"{version.notes['holdout_rows']:,} rows (trained on {version.rows:,})")
    for head in ("model", "ROC-AUC", "PR-AUC", "log loss", "Brier", "ECE"):
        table.add_column(head, justify="left" if head == "model" else "right")
    for m in version.metrics["models"]:
        x = m["metrics"]
        table.add_row(m["name"], f"{x['roc_auc']:.4f}", f"{x['pr_auc']:.4f}", f"{x['log_loss']:.4f}",
                      f"{x['brier']:.4f}", f"{x['ece']:.4f}")
    console.print(table)
    for warning in version.notes["leak_warnings"]:
        err_console.print(f"[yellow]leak warning:[/] {warning}", highlight=False)
    for note in version.notes["notes"]:
        console.print(f"note: {note}", highlight=False)
    console.print(f"top drivers: {', '.join(version.features['drivers'][:6])}", highlight=False)
    console.print(f"[bold]{version.status}[/]: {version.notes['promotion']['reason']}", highlight=False)


@score_app.command("rescore")
def rescore(kind: str = _KIND) -> None:
    """Score every open lead or deal with the current model version and store the scores."""
    from salesmind.cli.context import open_database, progress_bar
    from salesmind.core.timeutil import utcnow
    from salesmind.scoring.rescoring import rescore_all

    database = open_database()
    try:
        with progress_bar() as bar:
            task = bar.add_task(f"scoring open {kind} records", total=None)
            count = rescore_all(database, kind, now=utcnow(), models_dir=database.settings.models_dir,
                                progress=lambda done, total: bar.update(task, completed=done, total=total))
    except SalesmindError as exc:
        fail(exc)
        return
    console.print(f"scored {count:,} open {kind} records" if count else
                  f"nothing scored: no current {kind} model (run 'salesmind score crm-train --kind {kind}')")


def _version_dict(v) -> dict:  # type: ignore[no-untyped-def]
    return {"name": v.name, "version": v.version, "status": v.status, "kind": v.kind, "rows": v.rows,
            "positives": v.positives, "window_start": v.window_start, "window_end": v.window_end,
            "created_at": v.created_at, "promoted_at": v.promoted_at, "path": v.path,
            "promotion": (v.notes or {}).get("promotion")}


@score_app.command("models")
def models(as_json: bool = typer.Option(False, "--json", help="Print the registry as JSON.")) -> None:
    """List the registered model versions, newest first."""
    from salesmind.cli.context import open_database
    from salesmind.scoring.registry import list_versions

    database = open_database()
    with database.sessions() as session:
        versions = [_version_dict(v) | {"auc": _auc(v)} for v in list_versions(session)]
    if as_json:
        emit_json(versions)
        return
    table = Table(title="model versions")
    for head in ("name", "version", "status", "kind", "rows", "held-out AUC", "trained up to"):
        table.add_column(head)
    for v in versions:
        table.add_row(v["name"], v["version"], v["status"], v["kind"], f"{v['rows']:,}",
                      "" if v["auc"] is None else f"{v['auc']:.4f}", f"{v['window_end']:%Y-%m-%d}")
    console.print(table)


def _auc(v) -> float | None:  # type: ignore[no-untyped-def]
    models = (v.metrics or {}).get("models", [])
    return next((m["metrics"]["roc_auc"] for m in models if m["name"] == "salesmind"), None)


@score_app.command("drift")
def drift(kind: str = _KIND,
          as_json: bool = typer.Option(False, "--json", help="Print the report as JSON.")) -> None:
    """Population stability (PSI) of each feature and the score: training rows vs the open book."""
    from salesmind.cli.context import open_database
    from salesmind.core.timeutil import utcnow
    from salesmind.scoring.drift import drift_report

    database = open_database()
    try:
        report = drift_report(database, kind, now=utcnow(), models_dir=database.settings.models_dir)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    if as_json:
        emit_json(report)
        return
    table = Table(title=f"{report['model']} {report['version']}: {report['training_rows']:,} training rows "
                        f"vs {report['open_records']:,} open records (PSI: <0.1 stable, 0.1-0.25 moderate, "
                        ">0.25 major)")
    for head in ("feature", "PSI", "level"):
        table.add_column(head)
    table.add_row("[bold]score[/]", f"{report['score_psi']:.3f}", report["score_level"])
    for row in report["features"]:
        table.add_row(row["feature"], f"{row['psi']:.3f}", row["level"])
    console.print(table)


@score_app.command("retrain")
def retrain(
    kinds: Optional[list[str]] = typer.Option(None, "--kind", help="lead or opportunity (repeat; default both)."),
    if_older_than: str = typer.Option("7d", "--if-older-than",
                                      help="Retrain only when the current version is older (e.g. 12h, 7d, 2w)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Retrain the CRM models that are due (idempotent: safe to run from cron every hour)."""
    from salesmind.cli.context import open_database
    from salesmind.core.timeutil import utcnow
    from salesmind.scoring.crm import MODEL_NAMES
    from salesmind.scoring.schedule import parse_interval, retrain_if_due

    try:
        max_age = parse_interval(if_older_than)
        database = open_database()
        with nullcontext() if as_json else err_console.status("checking", spinner="dots") as status:
            def progress(msg: str) -> None:
                if status is not None:
                    status.update(f"retraining: {msg}")

            results = retrain_if_due(database, kinds or list(MODEL_NAMES), now=utcnow(), max_age=max_age,
                                     progress=progress)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    if as_json:
        emit_json([r.to_dict() for r in results])
        return
    for r in results:
        done = f"retrained → {r.version} ({r.status})" if r.retrained else "not due"
        console.print(f"{r.kind}: {done}: {r.reason}", highlight=False)
