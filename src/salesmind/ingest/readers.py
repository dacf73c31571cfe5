"""Streaming readers for CSV, Excel (.xlsx) and JSON Lines files.

Each reader yields ``(line_number, row)`` where the line is where the record starts in the
file (CSV: physical line; Excel: sheet row; JSON Lines: line). Readers can be iterated more
than once (the engine validates in one pass and writes in a second) and hold one row at a
time. A malformed file raises :class:`ValidationFailed` naming the file and line.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from salesmind.core.errors import RowIssue, UserInputError, ValidationFailed

DELIMITERS = (",", ";", "\t", "|")
WIDTH_KEY = "__width__"  # set on a row whose number of cells differs from the header's
SAMPLE_BYTES = 256 * 1024
csv.field_size_limit(16 * 1024 * 1024)


def _fail(path: Path, line: int | None, reason: str) -> ValidationFailed:
    issue = RowIssue(file=path.name, line=line, column=None, value=None, reason=reason)
    return ValidationFailed(f"{path.name} cannot be read: {reason}", [issue])


@dataclass
class RowSource:
    """A file of rows: its header (None when rows carry their own keys) and a re-iterable stream."""

    path: Path
    columns: list[str] | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header_line: int = 1
    kind: str = "csv"
    sample_keys: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The file name used in messages."""
        return self.path.name

    @property
    def header(self) -> list[str]:
        """The header, or for JSON Lines the keys of the first object."""
        return list(self.columns) if self.columns is not None else list(self.sample_keys)

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        if self.kind == "csv":
            return self._iter_csv()
        if self.kind == "xlsx":
            return self._iter_xlsx()
        return self._iter_jsonl()

    # -- CSV -------------------------------------------------------------------------------
    def _iter_csv(self) -> Iterator[tuple[int, dict[str, Any]]]:
        assert self.columns is not None and self.encoding and self.delimiter
        with self.path.open("rb") as handle:
            reader = csv.reader(self._decoded(handle), delimiter=self.delimiter, strict=True)
            start = 1
            try:
                next(reader)  # the header, read and checked by open_rows
                start = reader.line_num + 1
                for cells in reader:
                    line = start
                    start = reader.line_num + 1
                    if not any(c.strip() for c in cells):
                        continue
                    if len(cells) != len(self.columns):
                        width = f"{len(cells)} values but the header has {len(self.columns)} columns"
                        yield line, {**dict(zip(self.columns, cells)), WIDTH_KEY: width}
                        continue
                    yield line, dict(zip(self.columns, cells))
            except csv.Error as exc:
                raise _fail(self.path, start, f"malformed CSV ({exc}); check for an unclosed quote") from None

    def _decoded(self, handle: Any) -> Iterator[str]:
        """Text lines decoded one at a time, so that a bad byte is reported on its own line."""
        assert self.encoding
        if self.encoding.startswith("utf-16"):  # lines cannot be split before decoding
            yield from io.TextIOWrapper(handle, encoding=self.encoding, newline="")
            return
        for number, raw in enumerate(handle, start=1):
            try:
                yield raw.decode(self.encoding)
            except UnicodeDecodeError:
                raise _fail(self.path, number, f"bytes that are not valid {self.encoding} "
                            "(wrong encoding?); save the file as UTF-8") from None

    # -- Excel -----------------------------------------------------------------------------
    def _iter_xlsx(self) -> Iterator[tuple[int, dict[str, Any]]]:
        assert self.columns is not None
        book = _open_workbook(self.path)
        try:
            sheet = book.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(min_row=self.header_line + 1, values_only=True),
                                            start=self.header_line + 1):
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                cells = list(values)[: len(self.columns)]
                yield number, {c: ("" if v is None else v) for c, v in zip(self.columns, cells)}
        finally:
            book.close()

    # -- JSON Lines ------------------------------------------------------------------------
    def _iter_jsonl(self) -> Iterator[tuple[int, dict[str, Any]]]:
        with self.path.open("rb") as handle:
            for number, text in enumerate(self._decoded(handle), start=1):
                if text.strip():
                    yield number, _json_object(self.path, number, text)


def _json_object(path: Path, number: int, text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(path, number, f"invalid JSON ({exc.msg} at character {exc.colno})") from None
    if not isinstance(value, dict):
        raise _fail(path, number, "each line must be a JSON object like {\"email\": ...}")
    return value


def open_rows(path: str | Path) -> RowSource:
    """Open a CSV/TSV, .xlsx or .jsonl file for streaming, checking its header and encoding."""
    path = Path(path)
    if not path.is_file():
        raise UserInputError(f"file {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _open_xlsx(path)
    if suffix == ".xls":
        raise UserInputError(f"{path.name}: old .xls workbooks are not supported; save it as .xlsx or CSV")
    if suffix in (".jsonl", ".ndjson", ".json"):
        return _open_jsonl(path)
    return _open_csv(path)


def _open_csv(path: Path) -> RowSource:
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if not sample.strip():
        raise _fail(path, 1, "the file is empty; it needs a header row and at least one row")
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(path, None, "this is a binary file, not CSV text (for Excel, save as .xlsx)")
    encoding = detect_encoding(path, sample)
    first = sample.decode(encoding, errors="replace").lstrip("\ufeff").splitlines()[0]
    delimiter = sniff_delimiter(first)
    with path.open("r", encoding=encoding, newline="") as handle:
        try:
            header = next(csv.reader(handle, delimiter=delimiter, strict=True))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise _fail(path, 1, f"the header row cannot be read ({exc})") from None
    columns = check_header(path, [h.lstrip("\ufeff").strip() for h in header])
    return RowSource(path, columns, encoding=encoding, delimiter=delimiter, kind="csv")


def detect_encoding(path: Path, sample: bytes) -> str:
    """UTF-8 when the sample decodes as UTF-8; otherwise charset-normalizer's best guess."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:  # a character cut by the sample's end
            return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise _fail(path, None, "the text encoding cannot be recognised; save the file as UTF-8 CSV")
    return best.encoding


def sniff_delimiter(header_line: str) -> str:
    """The delimiter (comma, semicolon, tab or pipe) used most often outside quotes in the header."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def check_header(path: Path, columns: list[str]) -> list[str]:
    """Refuse blank or repeated column names, naming them."""
    issues = []
    seen: set[str] = set()
    for position, name in enumerate(columns, start=1):
        if not name:
            if position == len(columns) and len(columns) > 1:
                continue
            issues.append(RowIssue(path.name, 1, f"#{position}", None, "the header has a blank column name"))
        elif name in seen:
            issues.append(RowIssue(path.name, 1, name, None, "this column name appears twice in the header"))
        seen.add(name)
    if issues:
        raise ValidationFailed(f"{path.name}: the header row has problems", issues)
    if columns and not columns[-1]:
        columns = columns[:-1] + ["__trailing__"]
    return columns


def _open_workbook(path: Path):  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _fail(path, None, f"not a readable .xlsx workbook ({exc})") from None


def _open_xlsx(path: Path) -> RowSource:
    book = _open_workbook(path)
    try:
        if not book.worksheets:
            raise _fail(path, None, "the workbook has no sheets")
        for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            if any(v is not None and str(v).strip() for v in values):
                names = [("" if v is None else str(v).strip()) for v in values]
                while names and not names[-1]:
                    names.pop()
                columns = check_header(path, names)
                return RowSource(path, columns, header_line=number, kind="xlsx")
    finally:
        book.close()
    raise _fail(path, 1, "the first sheet is empty; it needs a header row and at least one row")


def _open_jsonl(path: Path) -> RowSource:
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if not sample.strip():
        raise _fail(path, 1, "the file is empty; it needs one JSON object per line")
    try:
        text = sample.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:
            line = sample[: exc.start].count(b"\n") + 1
            raise _fail(path, line, "bytes that are not valid UTF-8; JSON Lines must be UTF-8") from None
        text = sample[: exc.start].decode("utf-8-sig")
    for number, line in enumerate(io.StringIO(text), start=1):
        if line.strip():
            first = _json_object(path, number, line)
            return RowSource(path, None, encoding="utf-8-sig", kind="jsonl", sample_keys=list(first))
    raise _fail(path, 1, "the file is empty; it needs one JSON object per line")


