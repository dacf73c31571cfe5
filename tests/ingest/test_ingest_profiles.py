"""Profile detection from the header row, user YAML mappings, and their error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesmind.core.errors import UserInputError
from salesmind.ingest.profiles import builtin_mappings, canonical_mapping, resolve_mapping
from salesmind.ingest.readers import open_rows
from salesmind.ingest.specs import SPECS, get_spec


@pytest.mark.parametrize("name,profile,entity", [
    ("sf_opportunities.csv", "salesforce", "opportunities"), ("sf_leads.csv", "salesforce", "leads"),
    ("sf_contacts.csv", "salesforce", "contacts"), ("sf_accounts.csv", "salesforce", "accounts"),
    ("sf_users.csv", "salesforce", "users"), ("hubspot_deals.csv", "hubspot", "opportunities"),
    ("hubspot_companies.csv", "hubspot", "accounts"), ("hubspot_contacts.csv", "hubspot", "leads"),
    ("activities.jsonl", "canonical", "activities"),
])
def test_auto_detection_from_the_header(fixtures: Path, name: str, profile: str, entity: str) -> None:
    header = open_rows(fixtures / name).header
    mapping = resolve_mapping("auto", header, None)
    assert (mapping.profile, mapping.entity) == (profile, entity)


def test_entity_narrows_detection(fixtures: Path) -> None:
    header = open_rows(fixtures / "hubspot_contacts.csv").header
    assert resolve_mapping("auto", header, "contacts").entity == "contacts"
    assert resolve_mapping("hubspot", header, "contact").profile == "hubspot"


def test_ambiguous_or_unknown_headers_ask_for_help(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="match no known export format"):
        resolve_mapping("auto", ["Foo", "Bar"], None)
    both = tmp_path / "both.yaml"
    both.write_text("entities:\n  leads: {detect: [Mail], columns: {Mail: email}}\n"
                    "  contacts: {detect: [Mail], columns: {Mail: email}}\n")
    with pytest.raises(UserInputError, match="say which with --entity"):
        resolve_mapping(str(both), ["Mail"], None)
    assert resolve_mapping(str(both), ["Mail"], "contacts").entity == "contacts"
    with pytest.raises(UserInputError, match="needs an entity"):
        resolve_mapping("canonical", ["email"], None)


def test_every_builtin_mapping_names_real_fields() -> None:
    mappings = builtin_mappings()
    assert {(m.profile, m.entity) for m in mappings} >= {
        ("salesforce", "opportunities"), ("salesforce", "leads"), ("salesforce", "accounts"),
        ("salesforce", "contacts"), ("hubspot", "opportunities"), ("hubspot", "leads"),
        ("hubspot", "contacts"), ("hubspot", "accounts")}
    for mapping in mappings:
        assert mapping.detect and all(r.field in mapping.spec.by_name for r in mapping.columns.values())


def test_every_entity_has_a_canonical_mapping() -> None:
    for name in SPECS:
        mapping = canonical_mapping(name)
        assert set(mapping.columns) == set(get_spec(name).by_name)
    assert get_spec("Deals").name == "opportunities" and get_spec("opportunity").name == "opportunities"


@pytest.mark.parametrize("text,words", [
    ("columns: {a: email}\n", "must say which 'entity'"),
    ("entity: leads\ncolumns: {a: shoe_size}\n", "unknown field 'shoe_size'"),
    ("entity: leads\ncolumns: {a: {field: email, transform: rot13}}\n", "unknown transform"),
    ("entity: planets\n", "unknown entity"),
    ("entity: leads\ncolumns: [a, b\n", "not valid YAML"),
    ("entity: leads\nunknown_columns: maybe\n", "unknown_columns"),
    ("- just a list\n", "must be a YAML mapping"),
])
def test_bad_yaml_mappings_are_explained(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    with pytest.raises(UserInputError, match=words):
        resolve_mapping(str(path), ["a"], None)


def test_yaml_mapping_with_unknown_columns_ignored(tmp_path: Path) -> None:
    path = tmp_path / "loose.yaml"
    path.write_text("entity: leads\nunknown_columns: ignore\ndate_format: '%d/%m/%Y'\ntimezone: Asia/Tokyo\n"
                    "columns:\n  Mail: email\n")
    mapping = resolve_mapping(str(path), ["Mail", "Whatever"], None)
    assert (mapping.entity, mapping.date_formats, mapping.timezone, mapping.unknown_columns) == (
        "leads", ("%d/%m/%Y",), "Asia/Tokyo", "ignore")
