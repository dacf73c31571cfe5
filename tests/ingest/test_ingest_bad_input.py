"""Every kind of bad input gives a clear row-level report and leaves the database exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError, ValidationFailed
from salesmind.ingest import import_file

OPP_HEADER = ('"Opportunity ID","Opportunity Name","Account ID","Stage","Amount","Close Date",'
              '"Opportunity Owner"\n')
GOOD = '"006A","Acme deal","0015e00000A1aaA","Prospecting","1,000.00","3/31/2025","Jane Smith"\n'

#: name, file body, expected (line, column) of the first issue, words of the reason
CASES = [
    ("unknown_column.csv", OPP_HEADER.replace('"Amount"', '"Amount (converted)"') + GOOD,
     (1, "Amount (converted)"), "unknown column"),
    ("missing_required.csv", OPP_HEADER.replace('"Stage",', "") + GOOD.replace('"Prospecting",', ""),
     (1, "Stage"), "required column is missing"),
    ("negative_amount.csv", OPP_HEADER + GOOD + GOOD.replace("006A", "006B").replace('"1,000.00"', '"-500"'),
     (3, "Amount"), "amount must not be negative"),
    ("bad_date.csv", OPP_HEADER + GOOD + GOOD.replace("006A", "006C").replace("3/31/2025", "31.31.2025"),
     (3, "Close Date"), "not a date"),
    ("duplicate_id.csv", OPP_HEADER + GOOD + GOOD, (3, "Opportunity ID"), "duplicate: the same external_id as line 2"),
    ("unknown_account.csv", OPP_HEADER + GOOD.replace("0015e00000A1aaA", "001NOPE"), (2, "Account ID"),
     "no account has this external_id"),
    ("unknown_owner.csv", OPP_HEADER + GOOD.replace("Jane Smith", "Nobody Atall"), (2, "Opportunity Owner"),
     "no user has this name/email"),
    ("width.csv", OPP_HEADER + GOOD + '"006D","x"\n', (3, None), "2 values but the header has 7 columns"),
    ("unclosed_quote.csv", OPP_HEADER + GOOD + '"006E","Broken deal,"0015e00000A1aaA","Prospecting","1"\n',
     (3, None), "unclosed quote"),
    ("empty.csv", "", (1, None), "empty"),
    ("header_only.csv", OPP_HEADER, (None, None), "no rows"),
    ("garbage.csv", bytes(range(256)) * 8, (None, None), "binary"),
    ("wrong_encoding.csv", (OPP_HEADER + "".join(GOOD.replace("006A", f"006-{n}") for n in range(4000))).encode()
     + GOOD.replace("Acme", "Acm\xe9").encode("latin-1"), (4002, None), "not valid utf-8"),
]


def _write(path: Path, body: str | bytes) -> Path:
    if isinstance(body, str):
        path.write_text(body, encoding="utf-8")
    else:
        path.write_bytes(body)
    return path


def test_each_bad_file_is_reported_and_changes_nothing(crm: Database, tmp_path: Path, counts) -> None:
    before = counts(crm)
    for name, body, (line, column), words in CASES:
        with pytest.raises(ValidationFailed) as info:
            import_file(crm, _write(tmp_path / name, body), "opportunities", "salesforce")
        issue = info.value.issues[0]
        message = str(info.value)
        assert name in message or issue.file == name, name
        if line is not None:
            assert issue.line == line, (name, issue)
        if column is not None:
            assert issue.column == column, (name, issue)
        assert words in message, (name, message)
        assert "Traceback" not in message
        assert counts(crm) == before, name


def test_bad_values_are_all_reported_together(crm: Database, tmp_path: Path, counts) -> None:
    body = (OPP_HEADER + GOOD
            + GOOD.replace("006A", "006B").replace('"1,000.00"', '"-1"')
            + GOOD.replace("006A", "006C").replace("3/31/2025", "someday").replace("Jane Smith", "Ghost"))
    before = counts(crm)
    with pytest.raises(ValidationFailed) as info:
        import_file(crm, _write(tmp_path / "many.csv", body), None)
    found = {(i.line, i.column) for i in info.value.issues}
    assert found == {(3, "Amount"), (4, "Close Date"), (4, "Opportunity Owner")}
    assert "2 rows have problems; nothing was imported" in str(info.value)
    assert next(i for i in info.value.issues if i.column == "Amount").value == "-1"
    assert counts(crm) == before


def test_bad_enum_value_and_invalid_json_line(crm: Database, tmp_path: Path, counts) -> None:
    before = counts(crm)
    leads = _write(tmp_path / "leads.csv", '"Lead ID","Last Name","Email","Lead Status"\n'
                   '"00Q1","Ng","ng@x.example","Open"\n"00Q2","Ok","ok@x.example","Pondering"\n')
    with pytest.raises(ValidationFailed) as info:
        import_file(crm, leads, None)
    issue = info.value.issues[0]
    assert (issue.line, issue.column, issue.value) == (3, "Lead Status", "Pondering")
    assert "not one of: new, working" in issue.reason
    jsonl = _write(tmp_path / "acts.jsonl", '{"type": "call", "occurred_at": "2025-01-01T10:00:00Z"}\n{"type": \n')
    with pytest.raises(ValidationFailed, match="acts.jsonl") as info:
        import_file(crm, jsonl, "activities")
    assert info.value.issues[0].line == 2
    unknown_key = _write(tmp_path / "k.jsonl", '{"type": "call", "occurred_at": "2025-01-01", "mood": "good"}\n')
    with pytest.raises(ValidationFailed) as info:
        import_file(crm, unknown_key, "activities")
    assert (info.value.issues[0].line, info.value.issues[0].column) == (1, "mood")
    assert counts(crm) == before


def test_options_are_checked_before_reading(crm: Database, fixtures: Path) -> None:
    with pytest.raises(UserInputError, match="unknown time zone"):
        import_file(crm, fixtures / "sf_leads.csv", None, timezone="Mars/Olympus")
    with pytest.raises(UserInputError, match="unknown entity"):
        import_file(crm, fixtures / "sf_leads.csv", "widgets")
    with pytest.raises(UserInputError, match="unknown profile"):
        import_file(crm, fixtures / "sf_leads.csv", None, "pipedrive")
