"""Readers: encodings, delimiters, real line numbers, and malformed files refused with file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from salesmind.core.errors import UserInputError, ValidationFailed
from salesmind.ingest.readers import open_rows, sniff_delimiter


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def test_csv_lines_are_physical_lines_even_after_a_multiline_cell(fixtures: Path) -> None:
    source = open_rows(fixtures / "sf_opportunities.csv")
    rows = list(source)
    assert [line for line, _ in rows] == [2, 3, 4, 5]
    assert rows[3][1]["Next Step"] == "Pricing call\nwith CFO"
    assert source.delimiter == "," and source.encoding == "utf-8"


def test_latin1_semicolon_file_is_decoded_and_split(fixtures: Path) -> None:
    source = open_rows(fixtures / "accounts_latin1_semicolon.csv")
    rows = list(source)
    assert source.delimiter == ";"
    assert rows[0][1]["Firma"] == "Müller & Söhne GmbH"
    assert rows[1][1]["Firma"] == "Société Générale Logiciel SA"


@pytest.mark.parametrize("line,expected", [
    ("a,b,c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ("a|b|c", "|"), ('"x;y",b,c', ","), ("single", ","),
])
def test_delimiter_sniffing(line: str, expected: str) -> None:
    assert sniff_delimiter(line) == expected


def test_bom_and_blank_lines_are_handled(tmp_path: Path) -> None:
    path = _write(tmp_path, "bom.csv", "\ufeffemail,name\n\na@x.io,A\n\n")
    source = open_rows(path)
    assert source.columns == ["email", "name"]
    assert list(source) == [(3, {"email": "a@x.io", "name": "A"})]


@pytest.mark.parametrize("name,data,line,words", [
    ("empty.csv", b"", 1, "empty"),
    ("blank.csv", b"\n\n  \n", 1, "empty"),
    ("binary.csv", bytes(range(256)) * 4, None, "binary"),
    ("dup.csv", "a,b,a\n1,2,3\n", 1, "appears twice"),
    ("empty.jsonl", b"\n", 1, "empty"),
    ("notobject.jsonl", "[1, 2]\n", 1, "JSON object"),
    ("broken.xlsx", b"PK\x03\x04 this is no workbook", None, "xlsx"),
])
def test_unreadable_files_are_refused_at_open(tmp_path: Path, name: str, data: bytes | str, line: int | None,
                                              words: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        open_rows(_write(tmp_path, name, data))
    issue = info.value.issues[0]
    assert issue.file == name and issue.line == line
    assert words in str(info.value)


def test_unterminated_quote_names_the_line_where_the_record_starts(tmp_path: Path) -> None:
    path = _write(tmp_path, "q.csv", 'email,name\na@x.io,A\nb@x.io,"B\nc@x.io,C\n')
    with pytest.raises(ValidationFailed) as info:
        list(open_rows(path))
    assert info.value.issues[0].line == 3
    assert "unclosed quote" in str(info.value)


def test_invalid_json_line_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.jsonl", '{"email": "a@x.io"}\n\n{"email": \n')
    with pytest.raises(ValidationFailed) as info:
        list(open_rows(path))
    assert info.value.issues[0].line == 3
    assert "invalid JSON" in str(info.value)


def test_utf8_file_with_a_bad_byte_past_the_sample_is_refused_with_its_line(tmp_path: Path) -> None:
    body = "email,name\n" + "a@x.io,A\n" * 40000 + "b@x.io,B\xe9\n"
    path = _write(tmp_path, "late.csv", body.encode("latin-1"))
    with pytest.raises(ValidationFailed) as info:
        list(open_rows(path))
    assert info.value.issues[0].line == 40002
    assert "UTF-8" in str(info.value)


def test_row_width_mismatch_is_flagged_not_fatal(tmp_path: Path) -> None:
    rows = list(open_rows(_write(tmp_path, "w.csv", "a,b\n1,2,3\n")))
    assert rows[0][1]["__width__"] == "3 values but the header has 2 columns"


def test_xlsx_rows_carry_sheet_row_numbers_and_native_values(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append([])
    sheet.append(["email", "score"])
    sheet.append(["a@x.io", 7])
    sheet.append([None, None])
    sheet.append(["b@x.io", 9])
    book.save(tmp_path / "s.xlsx")
    source = open_rows(tmp_path / "s.xlsx")
    assert source.columns == ["email", "score"]
    assert list(source) == [(3, {"email": "a@x.io", "score": 7}), (5, {"email": "b@x.io", "score": 9})]


def test_jsonl_keys_and_lines(fixtures: Path) -> None:
    source = open_rows(fixtures / "activities.jsonl")
    rows = list(source)
    assert [line for line, _ in rows] == [1, 2, 4]
    assert source.header[0] == "external_id"
    assert rows[1][1]["details"] == json.loads('{"seconds": 95}')


def test_missing_file_and_old_excel_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="does not exist"):
        open_rows(tmp_path / "nope.csv")
    with pytest.raises(UserInputError, match="xlsx"):
        open_rows(_write(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0"))


def test_jsonl_with_a_latin1_byte_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "l.jsonl", '{"name": "a"}\n{"name": "b"}\n{"name": "Soci\xe9t\xe9"}\n'.encode("latin-1"))
    with pytest.raises(ValidationFailed) as info:
        list(open_rows(path))
    assert info.value.issues[0].line == 3
