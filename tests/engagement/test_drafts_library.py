"""Draft templates: slots, fallbacks, the personalisation count, user overrides, errors with lines, the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesmind.core.errors import UserInputError
from salesmind.engagement.drafts import SLOTS, Slots, TemplateLibrary, pain_points

FULL = Slots({"first_name": "Ann", "company": "Acme Foods", "industry": "Retail", "title": "VP Sales",
              "recent_activity": "visited our pricing page", "last_content": "ROI calculator",
              "last_event": "Quarterly forecasting masterclass",
              "recommended_content": [{"title": "Retail story", "url": "https://x/1", "reasons": []},
                                      {"title": "Pricing sheet", "url": None, "reasons": []}],
              "pain_points": ["forecasting", "pipeline visibility"], "rep_name": "Bob",
              "signature": "Bob Rep\nbob@example.com"}, recipient="ann@acme.test")


def test_ships_the_eight_touch_cadence_in_order() -> None:
    infos = TemplateLibrary().templates()
    assert [t.name for t in infos] == ["intro", "value", "case_study", "content_share", "pain_point",
                                       "event_follow_up", "meeting_ask", "break_up"]
    assert all(t.description.startswith("Touch ") and not t.custom for t in infos)


def test_every_shipped_template_renders_with_and_without_slots() -> None:
    library = TemplateLibrary()
    for info in library.templates():
        full, empty = library.render(info.name, FULL), library.render(info.name, Slots())
        assert full.subject and full.text and empty.subject and empty.text
        assert "Ann" in full.subject + full.text and "Bob Rep" in full.text
        assert empty.personalisation_count == 0 and "None" not in empty.text and "[]" not in empty.text
        assert set(empty.missing_slots) == set(full.personalisation_elements) | set(full.missing_slots)


def test_counts_the_personalised_slots_used_and_lists_the_missing_ones() -> None:
    draft = TemplateLibrary().render("intro", Slots({"first_name": "Ann", "company": "Acme",
                                                     "pain_points": ["forecasting"]}))
    assert draft.subject == "Ann, a question about Acme"
    assert draft.personalisation_elements == ["company", "first_name", "pain_points"]
    assert draft.personalisation_count == 3
    assert draft.missing_slots == ["industry", "recent_activity", "signature", "title"]
    assert "You mentioned forecasting; that is exactly what we help B2B teams with." in draft.text
    assert draft.text.endswith(SLOTS["signature"][0])  # the safe fallback, never blank
    assert "<p>Hi Ann,</p>" in draft.html


def test_content_share_lists_the_recommended_content() -> None:
    draft = TemplateLibrary().render("content_share", FULL)
    assert draft.subject == "Retail story"
    assert '- Retail story: https://x/1\n- Pricing sheet\n' in draft.text
    assert 'Since you read "ROI calculator"' in draft.text
    assert "recommended_content" in draft.personalisation_elements


def test_user_folder_overrides_a_shipped_template_and_adds_new_ones(tmp_path: Path) -> None:
    (tmp_path / "01_intro.j2").write_text("{% block subject %}Hello {{ first_name }}{% endblock %}"
                                          "{% block body %}Custom for {{ company }}{% endblock %}")
    (tmp_path / "09_referral.j2").write_text("{# Touch 9: ask for a referral. #}{% block subject %}Who else?"
                                             "{% endblock %}{% block body %}Hi {{ first_name }}{% endblock %}")
    library = TemplateLibrary(tmp_path)
    infos = {t.name: t for t in library.templates()}
    assert infos["intro"].custom and infos["referral"].custom and not infos["value"].custom
    assert library.render("intro", FULL).text == "Custom for Acme Foods"
    assert library.render("referral", FULL).subject == "Who else?"


def test_a_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "01_intro.j2").write_text("{% block subject %}Hi{% endblock %}\n{% block body %}\nline two\n"
                                          "{% if first_name %}unclosed\n{% endblock %}\n")
    with pytest.raises(UserInputError, match=r"01_intro\.j2 line 5: .*endblock"):
        TemplateLibrary(tmp_path).render("intro", FULL)


def test_an_unknown_slot_is_a_clear_error_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "02_value.j2").write_text("{% block subject %}Hi{% endblock %}\n{% block body %}\nHi\n"
                                          "{{ frist_name }}\n{% endblock %}\n")
    with pytest.raises(UserInputError, match=r"template 02_value\.j2 line 4: 'frist_name' is undefined"):
        TemplateLibrary(tmp_path).render("value", FULL)


def test_the_sandbox_refuses_python_internals(tmp_path: Path) -> None:
    (tmp_path / "03_case_study.j2").write_text(
        "{% block subject %}x{% endblock %}{% block body %}"
        "{{ pain_points.__class__.__mro__[1].__subclasses__() }}{% endblock %}")
    with pytest.raises(UserInputError, match="line 1: access to attribute .__class__. of .list. object is unsafe"):
        TemplateLibrary(tmp_path).render("case_study", FULL)


def test_unknown_template_missing_block_and_missing_folder_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="unknown template 'nope'; available: intro"):
        TemplateLibrary().render("nope", FULL)
    (tmp_path / "x.j2").write_text("{% block body %}b{% endblock %}")
    with pytest.raises(UserInputError, match="no {% block subject %}"):
        TemplateLibrary(tmp_path).render("x", FULL)
    with pytest.raises(UserInputError, match="does not exist"):
        TemplateLibrary(tmp_path / "missing")


def test_pain_points_come_from_the_form_answers_in_order() -> None:
    answers = {"timeline": "this quarter", "Use case": "forecasting", "challenges": ["churn", "forecasting", ""]}
    assert pain_points(answers) == ["forecasting", "churn"]
    assert pain_points(None) == []
