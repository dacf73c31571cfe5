"""``salesmind performance``: the team table, one rep's gaps to the top performers, a change's impact."""

from __future__ import annotations

import typer
from rich.table import Table

from salesmind.cli.context import parse_day
from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError, UserInputError

performance_app = typer.Typer(help="Rep and team performance, gaps to the top performers with significance, and "
                                   "baseline-versus-after impact of a change.", no_args_is_help=True)
app.add_typer(performance_app, name="performance")

SINCE = typer.Option(None, "--since", help="First day of the period (default: a year ago).")
UNTIL = typer.Option(None, "--until", help="Day after the period (default: tomorrow).")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _num(value: float | None, fmt: str = "{:,.0f}") -> str:
    return "—" if value is None else fmt.format(value)


@performance_app.command("team")
def team(since: str | None = SINCE, until: str | None = UNTIL,
         as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON.")) -> None:
    """Every rep: activity, deals, win rate (95% Wilson), size, cycle, discount, pipeline, forecast accuracy, gaps."""
    from salesmind.analytics.performance import performance_tables, period
    from salesmind.cli.context import open_database
    from salesmind.data.scope import Scope

    try:
        span = period(parse_day(since, "--since"), parse_day(until, "--until"))
        with open_database().transaction() as session:
            rows, teams = performance_tables(session, Scope.everything(), *span)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json({"start": span[0].date().isoformat(), "end": span[1].date().isoformat(), "reps": rows,
                   "teams": teams})
        return
    table = Table(title=f"Performance {span[0]:%Y-%m-%d} to {span[1]:%Y-%m-%d}")
    for column in ("Rep", "Team", "Activities", "Won", "Lost", "Win rate (95% CI)", "Avg won", "Cycle d",
                   "Discount", "Open pipeline", "Forecast acc.", "Gap"):
        table.add_column(column)
    for r in rows:
        table.add_row(r["name"], r["team"] or "—", str(r["activities"]), str(r["won"]), str(r["lost"]),
                      f"{_pct(r['win_rate'])} ({_pct(r['win_low'])}–{_pct(r['win_high'])})",
                      _num(r["avg_won_amount"]), _num(r["median_cycle_days"]),
                      _num(r["avg_discount_won"], "{:.1f}%"), _num(r["pipeline_open"]),
                      f"{_pct(r['forecast_accuracy'])} of {r['forecast_expected']}", r["gap"])
    console.print(table)
    for t in teams:
        console.print(f"[bold]{t['team']}[/] ({t['reps']} reps): won {t['won']} of {t['closed']} "
                      f"({_pct(t['win_rate'])}, 95% {_pct(t['win_low'])}–{_pct(t['win_high'])}), "
                      f"open pipeline {_num(t['pipeline_open'])}, forecast accuracy {_pct(t['forecast_accuracy'])}")


@performance_app.command("rep")
def rep(email: str = typer.Argument(..., help="The rep's email."), since: str | None = SINCE,
        until: str | None = UNTIL, as_json: bool = typer.Option(False, "--json")) -> None:
    """One rep against the top performers: each metric's difference with its 95% CI, test, p and BH q."""
    from salesmind.analytics.performance import period
    from salesmind.analytics.performance_rep import rep_report
    from salesmind.cli.context import open_database
    from salesmind.conversations.coaching_views import rep_id_by_email
    from salesmind.data.scope import Scope

    try:
        span = period(parse_day(since, "--since"), parse_day(until, "--until"))
        with open_database().transaction() as session:
            report = rep_report(session, Scope.everything(), rep_id_by_email(session, email), *span)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(report)
        return
    table = Table(title=f"{report['name']} against {report['top_count']} top performers, "
                        f"{report['start']} to {report['end']}")
    for column in ("Metric", "Rep", "Top", "Diff (95% CI)", "n", "Test", "p", "BH q", "Verdict"):
        table.add_column(column)
    for g in report["gaps"]:
        fmt = "{:.3g}"
        diff = "—" if g["diff"] is None else fmt.format(g["diff"]) + (
            "" if g["ci_low"] is None else f" ({fmt.format(g['ci_low'])} to {fmt.format(g['ci_high'])})")
        table.add_row(g["label"], _num(g["rep_value"], fmt), _num(g["top_value"], fmt), diff,
                      f"{g['n_rep']}/{g['n_top']}", g["test"] or "—", _num(g["p"], fmt), _num(g["q"], fmt),
                      g["verdict"].replace("_", " "))
    console.print(table)


@performance_app.command("impact")
def impact(since: str = typer.Option(..., "--since", help="The change date (before = the window before it)."),
           reps: str = typer.Option(..., "--reps", help="Treated reps' emails, comma separated."),
           metric: str = typer.Option("win_rate", "--metric",
                                      help="win_rate, cycle_days, deal_size or activity_per_week."),
           window: int = typer.Option(90, "--window", min=7, max=730, help="Days either side of the change."),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Baseline versus after for the treated reps; a difference in differences against the other reps."""
    from salesmind.analytics.impact import impact_for
    from salesmind.cli.context import open_database
    from salesmind.conversations.coaching_views import rep_id_by_email
    from salesmind.data.scope import Scope

    try:
        change = parse_day(since, "--since")
        emails = [e for e in reps.split(",") if e.strip()]
        if not emails:
            raise UserInputError("--reps needs at least one email")
        with open_database().transaction() as session:
            ids = [rep_id_by_email(session, e) for e in emails]
            result = impact_for(session, Scope.everything(), change, ids, metric, window).as_dict()  # type: ignore
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(result)
        return
    console.print(f"[bold]{result['method']}[/] · {metric} · {window} days either side of {result['change']}")
    for group in ("treated", "control"):
        b, a = result[f"{group}_before"], result[f"{group}_after"]
        console.print(f"  {group}: before {_num(b['mean'], '{:.3g}')} (n {b['n']}), "
                      f"after {_num(a['mean'], '{:.3g}')} (n {a['n']})")
    if result["estimate"] is not None:
        console.print(f"  estimate {result['estimate']:.3g} (95% CI {result['ci_low']:.3g} to {result['ci_high']:.3g})")
    if result["permutation_p"] is not None:
        console.print(f"  permutation p = {result['permutation_p']:.3g} over {result['permutations']} reassignments")
    if result["placebo_estimate"] is not None:
        console.print(f"  placebo one window earlier: {result['placebo_estimate']:.3g}")
    console.print(f"  [dim]{result['note']}[/]")
