"""Guardrails: validation with clear messages, all-or-nothing saves, the segment -> default -> built-in chain."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.discounts.guardrails import (
    DEFAULT,
    Guardrail,
    guardrail_for,
    list_guardrails,
    set_guardrails,
    upsert_guardrail,
    validate_rule,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(("rule", "message"), [
    ({"max_pct": 101}, "between 0 and 100"),
    ({"max_pct": -1}, "between 0 and 100"),
    ({"max_pct": "lots"}, "must be a number"),
    ({}, "max discount is required"),
    ({"max_pct": 20, "objective": "profit"}, "objective must be one of"),
    ({"max_pct": 20, "objective": "margin"}, "needs a cost"),
    ({"max_pct": 20, "objective": "margin", "cost_pct": 120}, "cost must be between"),
    ({"segment": "x" * 65, "max_pct": 20}, "at most 64"),
])
def test_bad_rules_are_refused(rule: dict, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        validate_rule(rule)


def test_good_rule() -> None:
    assert validate_rule({"segment": " smb ", "max_pct": "12.5", "objective": "margin", "cost_pct": "20"}) == \
        Guardrail("smb", 12.5, "margin", 20.0)


def test_saving_is_all_or_nothing_and_lookup_falls_back(sqlite_database: Database) -> None:
    with sqlite_database.transaction() as s:
        assert guardrail_for(s, "smb") == DEFAULT and DEFAULT.max_pct == 30.0
        set_guardrails(s, [{"segment": "", "max_pct": 20}, {"segment": "enterprise", "max_pct": 25,
                                                             "objective": "margin", "cost_pct": 15}],
                       user_id=None, now=NOW)
    with sqlite_database.transaction() as s:
        with pytest.raises(UserInputError, match="enterprise rule"):
            set_guardrails(s, [{"segment": "", "max_pct": 5}, {"segment": "enterprise", "max_pct": 200}],
                           user_id=None, now=NOW)
        with pytest.raises(UserInputError, match="two rules"):
            set_guardrails(s, [{"segment": "smb", "max_pct": 5}, {"segment": "smb", "max_pct": 6}],
                           user_id=None, now=NOW)
    with sqlite_database.transaction() as s:
        assert [g.segment for g in list_guardrails(s)] == ["", "enterprise"]  # nothing of the bad saves
        assert guardrail_for(s, "enterprise") == Guardrail("enterprise", 25.0, "margin", 15.0)
        assert guardrail_for(s, "smb") == Guardrail("", 20.0, "revenue", None)
        assert guardrail_for(s, None).max_pct == 20.0
        upsert_guardrail(s, {"segment": "smb", "max_pct": 8}, user_id=None, now=NOW)
        assert [g.segment for g in list_guardrails(s)] == ["", "enterprise", "smb"]
        upsert_guardrail(s, {"segment": "smb", "max_pct": 9}, user_id=None, now=NOW)
        assert guardrail_for(s, "smb").max_pct == 9.0 and len(list_guardrails(s)) == 3
