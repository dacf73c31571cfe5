"""``salesmind customers``: refresh churn risk, lifetime value, segments and advice; list and inspect customers;
lifetime value for any exported transactions table."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError

customers_app = typer.Typer(help="Churn risk with causes, lifetime value, segments, cross-sell and next actions.",
                            no_args_is_help=True)
app.add_typer(customers_app, name="customers")


def _pct(x: Optional[float]) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def _money(x: Optional[float]) -> str:
    return "—" if x is None else f"{x:,.0f}"


@customers_app.command("refresh")
def refresh(
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Compute as of this day or time (ISO 8601, UTC)."),
    horizon: int = typer.Option(12, "--horizon", min=1, max=120, help="Lifetime-value horizon in months."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Score churn (training the model if none is promoted), fit lifetime value, segment, recommend; store it all."""
    from salesmind.cli.context import open_database, parse_as_of, run_with_status
    from salesmind.customers.service import refresh_customers

    database = open_database()
    summary = run_with_status("customers", lambda progress: refresh_customers(
        database, now=parse_as_of(as_of), models_dir=database.settings.models_dir, horizon_months=horizon,
        progress=progress), as_json)
    if as_json:
        emit_json(summary.__dict__)
        return
    console.print(f"[bold]{summary.accounts:,}[/] customer accounts as of {summary.as_of:%Y-%m-%d}; "
                  f"[bold]{summary.alerts_raised}[/] new churn warnings.")
    for name, n in summary.segments.items():
        console.print(f"  segment {name}: {n:,}")
    for note in summary.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)


@customers_app.command("list")
def list_customers(
    sort: str = typer.Option("risk", "--sort", help="risk, value, p_alive or name."),
    segment: Optional[str] = typer.Option(None, "--segment", help="Only this segment."),
    at_risk: bool = typer.Option(False, "--at-risk", help="Only accounts with an open warning."),
    limit: int = typer.Option(25, "--limit", min=1, max=500),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Customer accounts with their newest churn risk, lifetime value and segment."""
    from salesmind.cli.context import open_database
    from salesmind.customers.views import customer_list
    from salesmind.data.scope import Scope

    database = open_database()
    try:
        with database.transaction() as session:
            rows, total = customer_list(session, Scope.everything(), sort=sort, segment=segment,
                                        at_risk=at_risk, limit=limit)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json({"total": total, "items": [r.__dict__ for r in rows]})
        return
    table = Table(title=f"Customers by {sort} ({len(rows)} of {total:,})")
    for head in ("id", "account", "segment", "churn risk", "main cause", "P(active)", "lifetime value", "80% band"):
        table.add_column(head, justify="right" if head in ("id", "churn risk", "P(active)", "lifetime value") else "left")
    for r in rows:
        band = f"{_money(r.clv_low)}–{_money(r.clv_high)}" if r.clv_low is not None else "—"
        table.add_row(str(r.account_id), r.name, r.segment or "—",
                      _pct(r.churn_probability) + (f" ({r.open_alerts}!)" if r.open_alerts else ""),
                      r.top_cause or "—", _pct(r.p_alive), _money(r.clv), band)
    console.print(table)


@customers_app.command("show")
def show(account_id: int = typer.Argument(..., help="The account id."),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """One account's health: risk with causes and play, lifetime value, segment, recommendations, next actions."""
    from salesmind.cli.context import open_database
    from salesmind.customers.views import account_health
    from salesmind.data.scope import Scope

    database = open_database()
    try:
        with database.transaction() as session:
            health = account_health(session, Scope.everything(), account_id)
            current = health.current
            details, subs = health.details, health.subscriptions
            name = health.account.name
            alerts = [(a.raised_at, a.kind, a.probability, a.play, a.status) for a in health.alerts]
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json({"account_id": account_id, "name": name, "details": details, "subscriptions": subs,
                   "current": None if current is None else {
                       k: getattr(current, k) for k in ("as_of", "churn_probability", "expected_months_to_churn",
                                                         "p_alive", "expected_purchases", "clv", "clv_low",
                                                         "clv_high", "segment")},
                   "alerts": [dict(zip(("raised_at", "kind", "probability", "play", "status"), a)) for a in alerts]})
        return
    if current is None:
        console.print(f"{name}: no values stored yet; run [bold]salesmind customers refresh[/].")
        return
    console.print(f"[bold]{name}[/] (account {account_id}) as of {current.as_of:%Y-%m-%d}")
    console.print(f"  churn risk {_pct(current.churn_probability)}"
                  + (f", about {current.expected_months_to_churn:.0f} months to churn"
                     if current.expected_months_to_churn is not None else ""))
    console.print(f"  lifetime value {_money(current.clv)} (80% band {_money(current.clv_low)}–"
                  f"{_money(current.clv_high)}), P(active) {_pct(current.p_alive)}; segment {current.segment or '—'}")
    _print_list("why this risk", details.get("causes"))
    if details.get("play"):
        console.print(f"  suggested play: {details['play']}")
    _print_list("next best actions", [f"{a['action']}: {a['evidence']}" for a in details.get("next_actions", [])])
    _print_list("cross-sell", [f"{r['product']}: {r['reason']}" for r in details.get("recommendations", [])])
    for raised, kind, probability, play, status in alerts[:5]:
        console.print(f"  warning {raised:%Y-%m-%d} ({kind}, {status}): risk {_pct(probability)}; {play or ''}")


def _print_list(title: str, items: Any) -> None:
    if items:
        console.print(f"  {title}:")
        for item in items:
            console.print(f"    - {item}", highlight=False)


@customers_app.command("clv")
def clv(
    csv: Path = typer.Option(..., "--csv", exists=True, dir_okay=False, help="Transactions: one row per purchase."),
    customer: str = typer.Option(..., "--customer", help="Column with the customer id."),
    date_column: str = typer.Option(..., "--date", help="Column with the purchase date."),
    value: Optional[str] = typer.Option(None, "--value", help="Column with the purchase value (for money CLV)."),
    calibration_end: Optional[str] = typer.Option(None, "--calibration-end",
                                                  help="Fit on purchases up to this day (default: the last one)."),
    horizon: int = typer.Option(12, "--horizon", min=1, max=120, help="Months ahead."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the per-customer table to this CSV."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Lifetime value for any exported transactions table (BG/NBD + Gamma-Gamma): P(active), purchases, CLV band."""
    from salesmind.cli.context import parse_as_of, run_with_status
    from salesmind.customers.service import clv_from_csv

    result = run_with_status("lifetime value", lambda progress: clv_from_csv(
        csv, customer=customer, date=date_column, value=value,
        calibration_end=parse_as_of(calibration_end, "--calibration-end") if calibration_end else None,
        horizon_months=horizon, progress=progress), as_json)
    if out is not None:
        result.table.to_csv(out)
    if as_json:
        emit_json({"parameters": result.parameters, "customers": len(result.table),
                   "out": str(out) if out else None, "top": result.table.sort_values("clv" if "clv" in result.table.columns else "expected_purchases",
                                                  ascending=False).head(20).reset_index().to_dict("records")})
        return
    console.print(f"{len(result.table):,} customers; BG/NBD {result.parameters.get('bgnbd')}; "
                  f"Gamma-Gamma {result.parameters.get('gamma_gamma') or 'not fitted (no value column)'}")
    table = Table(title=f"Highest expected value over {horizon} months")
    columns = [c for c in ("frequency", "p_alive", "expected_purchases", "clv", "clv_low", "clv_high")
               if c in result.table.columns]
    table.add_column("customer")
    for c in columns:
        table.add_column(c, justify="right")
    key = "clv" if "clv" in result.table.columns else "expected_purchases"
    for cid, row in result.table.sort_values(key, ascending=False).head(15).iterrows():
        table.add_row(str(cid), *(f"{row[c]:,.2f}" for c in columns))
    console.print(table)
    if out is not None:
        console.print(f"wrote {out}")
