"""``salesmind bandit``: value send policies offline on a logged randomised test (any CSV)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError, UserInputError

bandit_app = typer.Typer(help="Thompson-sampling bandits: offline evaluation on a logged test.", no_args_is_help=True)
app.add_typer(bandit_app, name="bandit")


def _read_csv(path: Path):  # pandas is imported lazily to keep the CLI fast
    import pandas as pd

    if not path.is_file():
        raise UserInputError(f"no such file: {path}")
    try:
        return pd.read_csv(path)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise UserInputError(f"{path} is not a readable CSV file: {exc}") from exc


@bandit_app.command("evaluate")
def evaluate(
    csv: Path = typer.Option(..., "--csv", help="The logged test: one row per send."),
    arm: str = typer.Option(..., "--arm", help="Column with the arm each row was sent (subject, template, ...)."),
    reward: str = typer.Option(..., "--reward", help="Column with the 0/1 outcome (reply, open, click, meeting)."),
    segment: Optional[str] = typer.Option(None, "--segment", help="Column with the segment (industry, role, ...)."),
    propensity: str = typer.Option("uniform", "--propensity",
                                   help="Column with the probability of the logged arm, or 'uniform' (1/arms)."),
    boot: int = typer.Option(20, "--boot", min=2, max=1000, help="Bootstrap replicates for the intervals."),
    seed: int = typer.Option(0, "--seed", help="Random seed (bootstrap and policies)."),
    as_json: bool = typer.Option(False, "--json", help="Print the values as JSON."),
) -> None:
    """Value uniform random, always-each-arm and Thompson sampling (pooled, per segment) on a logged test."""
    from salesmind.engagement.offline_eval import evaluate_table

    try:
        rows = evaluate_table(_read_csv(csv), arm, reward, segment, propensity, n_boot=boot, seed=seed)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json([asdict(r) for r in rows])
        return
    table = Table(title=f"Policy values on {csv.name} ({boot} bootstrap replicates)")
    for head in ("policy", "estimator", "value", "95% interval", "vs uniform random", "95% interval ", "events"):
        table.add_column(head, justify="left" if head in ("policy", "estimator") else "right")
    for r in rows:
        table.add_row(r.policy, r.estimator, f"{100 * r.value:.2f}%", f"{100 * r.low:.2f}-{100 * r.high:.2f}%",
                      f"{100 * r.diff:+.2f} pp", f"{100 * r.diff_low:+.2f} to {100 * r.diff_high:+.2f}",
                      f"{r.events:,}")
    console.print(table)
    console.print("Replay values learning policies (unbiased when the log is uniformly randomised; other known "
                  "propensities are thinned to uniform first); IPS and self-normalised IPS value static ones.")
