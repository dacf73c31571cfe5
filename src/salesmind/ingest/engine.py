"""The import engine: validate every row first, then write all of it in one transaction, or nothing.

``import_file`` streams a file twice: a validation pass that collects every issue (nothing is
written), then a writing pass in chunks inside one transaction. With ``skip_invalid`` the
rows with issues go to a reject CSV and the others are written. ``ingest_rows`` does the same
for a list of canonical dicts inside the caller's session (the REST bulk endpoints).
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from salesmind.core.db import Database
from salesmind.core.errors import RowIssue, ValidationFailed
from salesmind.core.timeutil import utcnow, zone
from salesmind.data.models import ImportRun
from salesmind.ingest.prepare import Prepared, is_footer, is_skipped, prepare_row
from salesmind.ingest.profiles import Mapping, canonical_mapping, resolve_mapping
from salesmind.ingest.readers import RowSource, open_rows
from salesmind.ingest.resolve import Resolver
from salesmind.ingest.specs import get_spec
from salesmind.ingest.values import ParseContext
from salesmind.ingest.writer import INSERTED, UPDATED, RowRejected, Writer

CHUNK = 500
MAX_KEPT_ISSUES = 1000
MAX_KEPT_MERGES = 1000
Progress = Callable[[int, "int | None"], None]


@dataclass
class ImportReport:
    """What an import did: rows read and where each went, the issues found, and the run's id."""

    entity: str
    file: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    issues: list[RowIssue] = field(default_factory=list)
    reject_file: str | None = None
    import_run_id: int | None = None
    profile: str = "canonical"
    merged: int = 0
    merges: list[str] = field(default_factory=list)
    #: rows left out by the mapping's ``skip_rows_without`` (not errors)
    skipped: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form of the report."""
        out = asdict(self)
        out["issues"] = [asdict(i) for i in self.issues]
        return out


@dataclass
class _Plan:
    """One import's fixed inputs: rows, mapping, how to read times, and where messages point."""

    rows: Iterable[tuple[int, dict[str, Any]]]
    mapping: Mapping
    ctx: ParseContext
    file: str
    check_keys: bool
    skipped: int = 0


def import_file(database: Database, path: str | Path, entity: str | None, profile: str = "auto", *,
                skip_invalid: bool = False, reject_path: str | Path | None = None, timezone: str = "UTC",
                progress: Progress | None = None) -> ImportReport:
    """Import a CSV, .xlsx or .jsonl file of ``entity`` rows; all-or-nothing unless ``skip_invalid``."""
    source = open_rows(path)
    mapping = resolve_mapping(profile, source.header, entity)
    zone(mapping.timezone or timezone)
    ctx = ParseContext(mapping.timezone or timezone, mapping.date_formats, mapping.day_first)
    plan = _Plan(source, mapping, ctx, source.name, check_keys=source.columns is None)
    header_issues = _header_issues(source, mapping)
    if header_issues:
        raise ValidationFailed(f"{source.name}: the columns do not fit {mapping.profile} {mapping.entity}; "
                               "nothing was imported", header_issues)
    report = ImportReport(mapping.entity, str(path), profile=mapping.profile)
    session = database.sessions()
    try:
        total, problems = _validate(session, plan, report, progress)
    finally:
        session.close()
    if problems and not skip_invalid:
        raise _failure(source.name, report, problems)
    if problems:
        report.reject_file = str(reject_path or Path(path).with_suffix(".rejected.csv"))
    try:
        with database.transaction() as session:
            _write(session, plan, report, total, progress, source)
            report.import_run_id = _record_run(session, report)
    except SQLAlchemyError as exc:
        raise ValidationFailed(f"{source.name}: the database refused a row ({_short(exc)}); "
                               "nothing was imported") from None
    return report


def ingest_rows(session: Session, entity: str, rows: list[dict], *, source: str = "api") -> ImportReport:
    """Validate canonical rows, then upsert them in ``session``; any issue raises and writes nothing."""
    spec = get_spec(entity)
    plan = _Plan(list(enumerate(rows, start=1)), canonical_mapping(spec.name), ParseContext(), source, True)
    report = ImportReport(spec.name, source, profile="canonical")
    total, problems = _validate(session, plan, report, None)
    if problems:
        raise _failure(source, report, problems)
    try:
        _write(session, plan, report, total, None, None)
        report.import_run_id = _record_run(session, report)
    except SQLAlchemyError as exc:  # the caller's transaction is rolled back as this propagates
        raise ValidationFailed(f"{source}: the database refused a row ({_short(exc)})") from None
    return report


def _header_issues(source: RowSource, mapping: Mapping) -> list[RowIssue]:
    if source.columns is None:
        return []
    issues = []
    if mapping.unknown_columns == "error":
        for column in source.columns:
            if column not in mapping.columns and column not in mapping.ignore and column != "__trailing__":
                issues.append(RowIssue(source.name, source.header_line, column, None,
                                       f"unknown column for {mapping.entity} in the {mapping.profile} profile; "
                                       "map it in a YAML profile (or list it under 'ignore')"))
    given = {f for c in source.columns if c in mapping.columns for f in mapping.columns[c].fields}
    given |= set(mapping.defaults)
    for group in mapping.spec.required_groups():
        if not given.intersection(group):
            expected = [c for c, r in mapping.columns.items() if set(r.fields) & set(group)] or list(group)
            issues.append(RowIssue(source.name, source.header_line, expected[0], None,
                                   f"required column is missing (expected one of: {', '.join(expected)})"))
    return issues


def _chunks(plan: _Plan) -> Iterator[list[Prepared]]:
    rows = iter(plan.rows)
    while batch := list(islice(rows, CHUNK)):
        kept = [(line, raw) for line, raw in batch if not is_footer(plan.mapping, raw)]
        wanted = [(line, raw) for line, raw in kept if not is_skipped(plan.mapping, raw)]
        plan.skipped += len(kept) - len(wanted)
        yield [prepare_row(plan.mapping, plan.ctx, plan.file, line, dict(raw), check_keys=plan.check_keys)
               for line, raw in wanted]


class _Duplicates:
    """Flags a second row with the same identity key (external id or natural key) as the first."""

    def __init__(self, plan: _Plan) -> None:
        self.keys = plan.mapping.spec.keys
        self.file = plan.file
        self.seen: dict[tuple[Any, ...], int] = {}

    def check(self, row: Prepared) -> None:
        for key in self.keys:
            if row.issues or row.record.get(key[0]) is None:
                continue
            ident = (key, *(str(row.record.get(c)) for c in key))
            first = self.seen.setdefault(ident, row.line)
            if first != row.line:
                row.add_issue(self.file, key[0] if key[0] in row.sources else None,
                              f"duplicate: the same {'/'.join(key)} as line {first}")


def _checked_chunks(plan: _Plan, resolver: Resolver) -> Iterator[list[Prepared]]:
    """Prepared rows a chunk at a time, references resolved and duplicates flagged."""
    duplicates = _Duplicates(plan)
    for chunk in _chunks(plan):
        resolver.resolve(plan.mapping.spec, chunk)
        for row in chunk:
            duplicates.check(row)
        yield chunk


def _validate(session: Session, plan: _Plan, report: ImportReport, progress: Progress | None
              ) -> tuple[int, int]:
    """Read every row, resolve references, collect issues; returns (rows, rows with issues)."""
    total = problems = plan.skipped = 0
    for chunk in _checked_chunks(plan, Resolver(session, plan.file)):
        total += len(chunk)
        for row in chunk:
            if row.issues:
                problems += 1
                room = MAX_KEPT_ISSUES - len(report.issues)
                report.issues.extend(row.issues[:max(room, 0)])
        if progress:
            progress(total, None)
    report.rows_read, report.skipped = total, plan.skipped
    if total == 0 and not report.issues and not plan.skipped:
        report.issues.append(RowIssue(plan.file, None, None, None, "the file has a header but no rows"))
        problems = 1
    return total, problems


def _write(session: Session, plan: _Plan, report: ImportReport, total: int, progress: Progress | None,
           source: RowSource | None) -> None:
    """Write valid rows chunk by chunk (memory stays bounded); rejected rows go to the reject file."""
    resolver = Resolver(session, plan.file)
    spec = plan.mapping.spec
    writer = Writer(session, spec, resolver.accounts() if spec.dedupe == "account" else None,
                    now=plan.mapping.as_of)
    rejects = _RejectFile(report.reject_file, source) if report.reject_file else None
    done = 0
    try:
        for chunk in _checked_chunks(plan, resolver):
            writer.prefetch([row.record for row in chunk if not row.issues])
            for row in chunk:
                if row.issues:
                    report.rejected += 1
                    if rejects:
                        rejects.add(row)
                    continue
                try:
                    status, note = writer.write(row.record)
                except RowRejected as exc:  # found only while writing: the transaction rolls back
                    row.add_issue(plan.file, exc.field, exc.reason)
                    raise ValidationFailed(f"{plan.file}: line {row.line}: {exc.reason}; nothing was imported",
                                           row.issues) from None
                _count(report, status, note, row.line)
            writer.flush()
            done += len(chunk)
            if progress:
                progress(done, total)
    finally:
        if rejects:
            rejects.close()


def _count(report: ImportReport, status: str, note: str | None, line: int) -> None:
    if status == INSERTED:
        report.inserted += 1
    elif status == UPDATED:
        report.updated += 1
    else:
        report.unchanged += 1
    if note:
        report.merged += 1
        if len(report.merges) < MAX_KEPT_MERGES:
            report.merges.append(f"line {line}: {note}")


def _record_run(session: Session, report: ImportReport) -> int:
    run = ImportRun(file_name=Path(report.file).name[:500] if report.file else "-", entity=report.entity,
                    profile=report.profile[:64], rows_read=report.rows_read, inserted=report.inserted,
                    updated=report.updated, unchanged=report.unchanged, rejected=report.rejected,
                    finished_at=utcnow())
    session.add(run)
    session.flush()
    return run.id


def _failure(file: str, report: ImportReport, problems: int) -> ValidationFailed:
    rows = "row has" if problems == 1 else "rows have"
    return ValidationFailed(f"{file}: {problems} {rows} problems; nothing was imported "
                            "(fix them, or use --skip-invalid to import the other rows)", report.issues)


def _short(exc: SQLAlchemyError) -> str:
    return str(getattr(exc, "orig", exc)).splitlines()[0][:300]


class _RejectFile:
    """The rows left out by ``skip_invalid``: their original columns plus ``_line`` and ``_reason``."""

    def __init__(self, path: str, source: RowSource | None) -> None:
        self.path = Path(path)
        self.handle = self.path.open("w", encoding="utf-8", newline="")
        self.columns = list(source.header) if source else []
        self.writer: Any = None

    def add(self, row: Prepared) -> None:
        """Write one rejected row."""
        if self.writer is None:
            extra = [k for k in row.raw if k not in self.columns]
            self.columns += extra
            self.writer = csv.DictWriter(self.handle, [*self.columns, "_line", "_reason"], extrasaction="ignore")
            self.writer.writeheader()
        reason = "; ".join(f"{i.column}: {i.reason}" if i.column else i.reason for i in row.issues)
        self.writer.writerow({**{k: "" if v is None else v for k, v in row.raw.items()},
                              "_line": row.line, "_reason": reason})

    def close(self) -> None:
        """Flush and close the file."""
        self.handle.close()
