"""``salesmind winloss``: the competitor and loss-reason tables, and one competitor's battle card."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError

winloss_app = typer.Typer(help="Win/loss: why deals are won and lost, per competitor and loss reason.",
                          no_args_is_help=True)
app.add_typer(winloss_app, name="winloss")
SINCE = typer.Option(None, "--since", help="First close date (YYYY-MM-DD, inclusive).")
UNTIL = typer.Option(None, "--until", help="Last close date (YYYY-MM-DD, inclusive).")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _span(low: float | None, high: float | None) -> str:
    return "—" if low is None or high is None else f"{100 * low:.0f}–{100 * high:.0f}"


@winloss_app.command("summary")
def summary(since: str | None = SINCE, until: str | None = UNTIL,
            as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON.")) -> None:
    """Each competitor's win rate with its interval and adjusted odds ratio, and each loss reason's factors."""
    from salesmind.analytics.battlecards import summary_dict, winloss_summary
    from salesmind.cli.context import open_database, parse_day
    from salesmind.data.scope import Scope

    try:
        start, end = parse_day(since, "--since"), parse_day(until, "--until")
        with open_database().transaction() as session:
            found = winloss_summary(session, Scope.everything(), since=start, until=end)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(summary_dict(found))
        return
    console.print(f"[bold]{found.closed:,}[/] closed deals, {found.won:,} won: {_pct(found.rate)} "
                  f"(95% {_span(found.low, found.high)}). Adjusted for {', '.join(found.model.adjusted_for) or '—'}"
                  f"{'; ' + found.model.note if found.model.note else ''}.")
    table = Table(title="Competitors")
    for head in ("competitor", "closed", "won", "win rate (95%)", "gap vs others (95%)", "Fisher p", "adjusted OR (95%)"):
        table.add_column(head, justify="left" if head == "competitor" else "right")
    for r in found.competitors:
        gap = r.vs_rest
        adjusted = "reference" if not r.competitor else "—" if r.adjusted is None else \
            f"{r.adjusted.odds_ratio:.2f} ({r.adjusted.or_low:.2f}–{r.adjusted.or_high:.2f})"
        table.add_row(escape(r.label) + ("" if r.sufficient else " (few deals)"), str(r.closed), str(r.won),
                      f"{_pct(r.rate)} ({_span(r.low, r.high)})",
                      "—" if gap.diff is None else f"{100 * gap.diff:+.0f} ({_span(gap.diff_low, gap.diff_high)})",
                      "—" if gap.p_value is None else f"{gap.p_value:.3g}", adjusted)
    console.print(table)
    reasons = Table(title="Loss reasons")
    for head in ("reason", "lost", "share", "sets them apart from wins (BH q < 0.05)"):
        reasons.add_column(head, justify="right" if head in ("lost", "share") else "left")
    for r in found.loss_reasons:
        reasons.add_row(escape(r.reason), str(r.lost), _pct(r.share),
                        escape("\n".join(f.sentence() for f in r.top)) or "no significant difference")
    console.print(reasons)


@winloss_app.command("card")
def card(name: str = typer.Argument(..., help="Competitor name as on the deals ('' or _none: no competitor)."),
         since: str | None = SINCE, until: str | None = UNTIL,
         as_json: bool = typer.Option(False, "--json", help="Print the card as JSON.")) -> None:
    """One competitor's battle card: headline, where we win and lose, loss reasons, discount, topics."""
    from salesmind.analytics.battlecards import battle_card, card_dict
    from salesmind.analytics.winloss import MIN_CLOSED
    from salesmind.cli.context import open_database, parse_day
    from salesmind.data.scope import Scope

    try:
        start, end = parse_day(since, "--since"), parse_day(until, "--until")
        with open_database().transaction() as session:
            found = battle_card(session, Scope.everything(), "" if name == "_none" else name, since=start, until=end)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(card_dict(found))
        return
    r = found.row
    console.print(f"[bold]{escape(found.label)}[/]: {r.closed} closed deals, we win {_pct(r.rate)} "
                  f"(95% {_span(r.low, r.high)}) vs {_pct(found.overall[0])} overall.")
    if r.adjusted is not None:
        console.print(f"Adjusted odds ratio {r.adjusted.odds_ratio:.2f} ({r.adjusted.or_low:.2f}–{r.adjusted.or_high:.2f}),"
                      f" adjusting for {', '.join(found.model.adjusted_for)}.")
    if not found.sufficient:
        console.print(f"[yellow]Insufficient data:[/] fewer than {MIN_CLOSED} closed deals; no finding is drawn.")
    for title, factors in (("Where we win", found.wins), ("Where we lose", found.losses)):
        console.print(f"\n[bold]{title}[/]")
        for f in factors:
            console.print(f"  - {escape(f.sentence())} (q {f.q_value:.3g})")
        if not factors:
            console.print("  no significant factor (Benjamini-Hochberg q < 0.05)")
    console.print("\n[bold]Why we lose to them[/]")
    for row in found.loss_reasons:
        console.print(f"  {escape(row['reason'])}: {row['lost']} ({_pct(row['share'])}; {_pct(row['share_overall'])}"
                      " of all losses)")
    d = found.discount
    if d.median_won is not None or d.median_lost is not None:
        console.print(f"\nMedian discount {d.median_won if d.median_won is not None else '—'}% in wins vs "
                      f"{d.median_lost if d.median_lost is not None else '—'}% in losses.")
