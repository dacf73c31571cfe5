"""``salesmind sequences|tasks|experiments``: build and run cadences, a rep's tasks, subject-line experiments."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import NotFound, SalesmindError

sequences_app = typer.Typer(help="Cadences: sequences of emails, calls and tasks.", no_args_is_help=True)
experiments_app = typer.Typer(help="Subject-line, template and send-time experiments (Thompson-sampling bandits) on sequence steps.",
                              no_args_is_help=True)
app.add_typer(sequences_app, name="sequences")
app.add_typer(experiments_app, name="experiments")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


@sequences_app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every sequence with its enrolments, emails sent, replies and meetings."""
    from salesmind.cli.context import open_database
    from salesmind.data.scope import Scope
    from salesmind.engagement.cadences.reports import sequences_overview

    with open_database().transaction() as session:
        reports = sequences_overview(session, Scope.everything())
    if as_json:
        emit_json([{k: v for k, v in r.to_dict().items() if k != "steps"} for r in reports])
        return
    table = Table("id", "name", "steps", "enrolled", "active", "sent", "replies", "reply rate", "meetings",
                  title="Sequences")
    for r in reports:
        table.add_row(str(r.sequence_id), r.name, str(len(r.steps)), str(r.enrolled), str(r.active),
                      str(r.emails_sent), str(r.replies), _pct(r.reply_rate), str(r.meetings_booked))
    console.print(table)


@sequences_app.command("show")
def show_cmd(sequence_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """A sequence's settings and steps."""
    from salesmind.cli.context import open_database
    from salesmind.engagement.cadences.service import get_sequence

    try:
        with open_database().transaction() as session:
            sequence, steps = get_sequence(session, sequence_id)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    rows = [{"id": s.id, "position": s.position, "kind": s.kind, "wait_days": s.wait_days, "template": s.template,
             "subject_variants": s.subject_variants, "manual": s.manual, "instructions": s.instructions}
            for s in steps]
    if as_json:
        emit_json({"id": sequence.id, "name": sequence.name, "description": sequence.description,
                   "is_active": sequence.is_active, "settings": sequence.settings, "steps": rows})
        return
    console.print(f"[bold]{sequence.name}[/] (id {sequence.id}) settings: {sequence.settings}")
    table = Table("step", "kind", "wait (days)", "template", "manual", "instructions")
    for r in rows:
        table.add_row(str(r["position"]), r["kind"], f"{r['wait_days']:g}", r["template"] or "",
                      "yes" if r["manual"] else "", r["instructions"] or "")
    console.print(table)


@sequences_app.command("create")
def create_cmd(path: Path = typer.Argument(..., help="A YAML or JSON file: name, description, settings, steps."),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """Create a sequence from a definition file."""
    from salesmind.cli.context import open_database
    from salesmind.engagement.cadences.service import create_from_definition, read_definition

    try:
        data = read_definition(path)
        database = open_database()
        with database.transaction() as session:
            sequence = create_from_definition(session, data, app_settings=database.settings)
            result = {"id": sequence.id, "name": sequence.name}
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    emit_json(result) if as_json else console.print(f"created sequence {result['id']}: {result['name']}")


@sequences_app.command("enrol")
def enrol_cmd(sequence_id: int = typer.Argument(...),
              lead: int | None = typer.Option(None, "--lead", help="Lead id."),
              contact: int | None = typer.Option(None, "--contact", help="Contact id."),
              email: str | None = typer.Option(None, "--email", help="The person's email address."),
              as_json: bool = typer.Option(False, "--json")) -> None:
    """Enrol a lead or contact (its first step is due in its business hours)."""
    from salesmind.cli.context import open_database
    from salesmind.core.timeutil import utcnow
    from salesmind.data.scope import Scope
    from salesmind.engagement.cadences.service import enrol_visible

    try:
        with open_database().transaction() as session:
            row = enrol_visible(session, Scope.everything(), sequence_id, utcnow(), lead_id=lead,
                                contact_id=contact, email=email)
            result = {"enrolment_id": row.id, "next_due_at": row.next_due_at.isoformat() if row.next_due_at else None}
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    emit_json(result) if as_json else console.print(
        f"enrolment {result['enrolment_id']}: first step due {result['next_due_at']}")


@sequences_app.command("tick")
def tick_cmd(limit: int = typer.Option(500, "--limit", min=1, max=100_000),
             watch: bool = typer.Option(False, "--watch", help="Keep running: tick, wait, tick again."),
             interval: float = typer.Option(60.0, "--interval", min=0.1, help="Seconds between ticks with --watch."),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Run the due steps: stop on replies, bookings and suppressions, queue emails, create tasks."""
    from salesmind.cli.context import open_database, repeat
    from salesmind.engagement.cadences import tick

    database = open_database()

    def once() -> None:
        counts = tick(database, limit=limit)
        if as_json:
            emit_json(counts.to_dict())
        elif counts.due or counts.resumed or counts.settled or not watch:
            console.print(f"due {counts.due}: emails queued {counts.emails}, suppressed {counts.suppressed}, "
                          f"tasks {counts.tasks}, stopped {counts.stopped or 0}, paused {counts.paused}, "
                          f"resumed {counts.resumed}, finished {counts.finished}, over the daily cap "
                          f"{counts.capped}, outcomes settled {counts.settled}")
            for error in counts.errors[:5]:
                console.print(f"  [red]{error}[/]", highlight=False)

    repeat(once, watch, interval, as_json)


@sequences_app.command("report")
def report_cmd(sequence_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Enrolments, stop reasons and the funnel per step (reply rates with 95% Wilson intervals)."""
    from salesmind.cli.context import open_database
    from salesmind.data.scope import Scope
    from salesmind.engagement.cadences.reports import sequence_report

    try:
        with open_database().transaction() as session:
            report = sequence_report(session, Scope.everything(), sequence_id)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    if as_json:
        emit_json(report.to_dict())
        return
    console.print(f"[bold]{report.name}[/]: enrolled {report.enrolled}, active {report.active}, paused "
                  f"{report.paused}, finished {report.finished}, stopped {report.stopped or 0}, meetings "
                  f"{report.meetings_booked}")
    table = Table("step", "kind", "template", "touches", "sent", "replies", "reply rate", "95% interval")
    for s in report.steps:
        interval = "-" if s.reply_low is None else f"{s.reply_low:.1%} to {s.reply_high:.1%}"
        table.add_row(str(s.position), s.kind, s.template or "", str(s.touches), str(s.emails_sent), str(s.replies),
                      _pct(s.reply_rate), interval)
    console.print(table)


@app.command("tasks")
def tasks_cmd(rep: str | None = typer.Option(None, "--rep", help="The rep's login email (default: everyone)."),
              done: int | None = typer.Option(None, "--done", help="Mark this task done."),
              skip: int | None = typer.Option(None, "--skip", help="Mark this task skipped."),
              as_json: bool = typer.Option(False, "--json")) -> None:
    """Today's open tasks (overdue first, then by priority), or mark one done or skipped."""
    from sqlalchemy import func, select

    from salesmind.cli.context import open_database
    from salesmind.core.timeutil import utcnow
    from salesmind.data.models import User
    from salesmind.data.scope import Scope
    from salesmind.engagement.cadences.tasks import complete_task, todays_tasks

    database = open_database()
    try:
        with database.transaction() as session:
            if done is not None or skip is not None:
                task = complete_task(session, Scope.everything(), done if done is not None else skip, utcnow(),
                                     skip=done is None, settings=database.settings)
                result: object = {"id": task.id, "status": task.status}
            else:
                user_id = None
                if rep:
                    user_id = session.scalar(select(User.id).where(func.lower(User.email) == rep.strip().lower()))
                    if user_id is None:
                        raise NotFound(f"no user with the email {rep!r}")
                result = [{"id": t.id, "user_id": t.user_id, "kind": t.kind, "title": t.title,
                           "priority": t.priority, "due_at": t.due_at.isoformat(), "lead_id": t.lead_id,
                           "contact_id": t.contact_id}
                          for t in todays_tasks(session, Scope.everything(), utcnow(), user_id=user_id)]
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    if as_json or isinstance(result, dict):
        emit_json(result) if as_json else console.print(f"task {result['id']}: {result['status']}")  # type: ignore[index]
        return
    table = Table("id", "due (UTC)", "priority", "kind", "title", title="Today's tasks")
    for t in result:  # type: ignore[union-attr]
        table.add_row(str(t["id"]), t["due_at"][:16], str(t["priority"]), t["kind"], t["title"])
    console.print(table)


@experiments_app.command("list")
def experiments_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every experiment."""
    from salesmind.cli.context import open_database
    from salesmind.engagement.cadences.reports import list_experiments

    with open_database().transaction() as session:
        rows = [{"id": e.id, "name": e.name, "kind": e.kind, "step_id": e.step_id, "status": e.status,
                 "arms": e.arms, "control_arm": e.control_arm} for e in list_experiments(session)]
    if as_json:
        emit_json(rows)
        return
    table = Table("id", "name", "kind", "step", "status", "arms", title="Experiments")
    for r in rows:
        table.add_row(str(r["id"]), r["name"], r["kind"], str(r["step_id"]), r["status"], str(len(r["arms"])))
    console.print(table)


@experiments_app.command("show")
def experiments_show(experiment_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Each arm's sends, replies, posterior mean with its 95% interval, and lift against the control."""
    from salesmind.cli.context import open_database
    from salesmind.engagement.cadences.reports import experiment_report

    try:
        with open_database().transaction() as session:
            report = experiment_report(session, experiment_id)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    if as_json:
        emit_json(report.to_dict())
        return
    table = Table("arm", "sends", "replies", "posterior mean", "95% interval", "lift vs control", "95% interval",
                  "P(better)", title=f"{report.name}: {report.kind} (control: {report.control})")
    for a in report.arms:
        lift = "control" if a.is_control else ("-" if a.lift is None else f"{a.lift:+.1%}")
        span = "" if a.lift_low is None else f"{a.lift_low:+.1%} to {a.lift_high:+.1%}"
        table.add_row(f"{a.arm} ({a.detail})" if a.detail else a.arm, str(a.sends), str(a.successes), f"{a.mean:.1%}", f"{a.low:.1%} to {a.high:.1%}", lift,
                      span, "" if a.prob_better is None else f"{a.prob_better:.2f}")
    console.print(table)


@experiments_app.command("stop")
def experiments_stop(experiment_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Stop a running experiment (its result stays; the step may start a new one of its kind)."""
    from salesmind.cli.context import open_database
    from salesmind.engagement.cadences import stop_experiment

    try:
        with open_database().transaction() as session:
            row = stop_experiment(session, experiment_id)
            result = {"id": row.id, "name": row.name, "status": row.status}
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    emit_json(result) if as_json else console.print(f"experiment {result['id']} stopped: {result['name']}")


@experiments_app.command("create")
def experiments_create(step: int = typer.Option(..., "--step", help="The email step's id."),
                       arms: list[str] = typer.Option(..., "--arms", help="An arm (repeat; the first is the "
                                                      "control): a subject line ({first_name} and {company} are "
                                                      "filled in), a draft template name, or a send-time window "
                                                      "(morning, midday, afternoon, evening or HH:MM-HH:MM)."),
                       kind: str = typer.Option("subject", "--kind", help="subject, template or send_time"),
                       control_share: float = typer.Option(0.1, "--control-share", min=0.0, max=0.99),
                       min_samples: int = typer.Option(30, "--min-samples", min=0),
                       segment_by: str | None = typer.Option(None, "--segment-by",
                                                                help="industry, seniority, country, region, source"),
                       name: str | None = typer.Option(None, "--name"),
                       as_json: bool = typer.Option(False, "--json")) -> None:
    """Start a subject-line, template or send-time experiment on an email step."""
    from salesmind.cli.context import open_database
    from salesmind.engagement.cadences import create_experiment

    try:
        database = open_database()
        with database.transaction() as session:
            row = create_experiment(session, step_id=step, arms=list(arms), kind=kind, control_share=control_share,
                                    min_samples=min_samples, segment_by=segment_by, name=name,
                                    settings=database.settings)
            result = {"id": row.id, "name": row.name}
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    emit_json(result) if as_json else console.print(f"experiment {result['id']}: {result['name']}")
