"""Inbound intake: every field is checked (nothing stored on any error), and a known email merges into its lead."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from salesmind.core.db import Database
from salesmind.core.errors import ValidationFailed
from salesmind.data.models import Activity, InboundSubmission, Lead
from salesmind.data.models.outreach import OutboxMessage
from salesmind.engagement.mail.outbox import enqueue
from salesmind.engagement.inbound import handle_submission, validate_submission

from mail_world import mail_db, smtp  # noqa: F401
from inbound_world import NOW, Team, form, later, team  # noqa: F401


@pytest.mark.parametrize("field, value, words", [
    ("email", None, "is required"),
    ("email", "not-an-address", "not a valid email"),
    ("email", "lea@", "not a valid email"),
    ("first_name", "x" * 121, "at most 120"),
    ("company", "c" * 256, "at most 255"),
    ("title", ["a list"], "must be text"),
    ("phone", "call me maybe", "phone number"),
    ("phone", "+1", "phone number"),
    ("employees", "many", "must be a number"),
    ("employees", "12.5", "whole number"),
    ("employees", "-3", "between 0"),
    ("budget", "lots", "must be a number"),
    ("consent", "perhaps", "checkbox"),
    ("message", "m" * 5001, "at most 5000"),
    ("utm_source", {"a": 1}, "must be text"),
    ("favourite colour", {"nested": True}, "must be text, a number"),
    ("bad\nname", "x", "a field name"),
])
def test_each_wrong_field_is_named_and_nothing_is_stored(mail_db: Database, team: Team, field: str,
                                                         value: object, words: str) -> None:
    payload = form(**{field: value}) if field != "email" or value is not None else form(email=None)
    if field == "email" and value is None:
        payload.pop("email", None)
    with pytest.raises(ValidationFailed) as caught:
        handle_submission(mail_db, payload, source="web", now=NOW)
    [issue] = caught.value.issues
    assert issue.column == field and words in issue.reason
    with mail_db.transaction() as s:
        for table in (Lead, InboundSubmission, OutboxMessage, Activity):
            assert s.scalar(select(func.count()).select_from(table)) == 0


def test_several_wrong_fields_are_all_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_submission({"email": "nope", "phone": "x", "employees": "y"})
    assert sorted(i.column for i in caught.value.issues) == ["email", "employees", "phone"]


def test_clean_fields_consent_utm_and_unknown_answers() -> None:
    clean = validate_submission({"email": " Lea@Buyer.Example ", "name": "Lea Anne Buyer", "phone": "+49 (30) 123-45",
                                 "employees": "1,200", "budget": "$60,000", "consent": "on", "utm_source": "ads",
                                 "Pain points": ["slow forecasts"], "empty": ""})
    assert clean.email == "lea@buyer.example"
    assert clean.fields == {"first_name": "Lea", "last_name": "Anne Buyer", "phone": "+49 (30) 123-45",
                            "employees": 1200}
    assert clean.consent is True and clean.budget == 60000.0
    assert clean.answers == {"utm_source": "ads", "Pain points": ["slow forecasts"]}
    assert validate_submission({"email": "a@b.example"}).consent is False


def test_same_email_merges_fills_empty_fields_and_appends_answers(mail_db: Database, team: Team) -> None:
    first = handle_submission(mail_db, form(company=None, message="First question", consent=None, plan="pro"),
                              source="web", now=NOW)
    second = handle_submission(mail_db, form(email="LEA@buyer.example", first_name="Leandra", company="Buyer GmbH",
                                             message="Second question", plan="team", seats="12"),
                               source="webinar", now=later(60))
    assert (first.merged, second.merged) == (False, True) and first.lead_id == second.lead_id
    with mail_db.transaction() as s:
        [lead] = s.scalars(select(Lead)).all()
        assert lead.first_name == "Lea"  # filled fields are kept
        assert lead.company == "Buyer GmbH"  # an empty one is filled
        assert lead.consent_email is True  # the second form ticked the box
        answers = lead.form_answers
        assert answers["messages"] == ["First question", "Second question"]
        assert answers["plan"] == "team" and answers["seats"] == "12"
        assert [c["given"] for c in answers["consent_history"]] == [False, True]
        assert s.scalar(select(func.count()).select_from(Activity).where(Activity.lead_id == lead.id)) == 2


def test_a_contacts_email_links_the_lead_to_its_account(mail_db: Database, team: Team) -> None:
    made = handle_submission(mail_db, form(email="carl@contacts.example"), source="web", now=NOW)
    with mail_db.transaction() as s:
        lead = s.get(Lead, made.lead_id)
        assert lead.account_id == team.account
    assert made.routed_to_id == team.ana and "linked through a contact" in made.routing_reason


def test_unticked_consent_is_recorded_and_only_the_requested_reply_goes_out(mail_db: Database, team: Team) -> None:
    made = handle_submission(mail_db, form(consent=None), source="web", now=NOW)
    with mail_db.transaction() as s:
        assert s.get(Lead, made.lead_id).consent_email is False
        # The answer to their own request needs no marketing consent ...
        assert s.get(OutboxMessage, made.first_reply_id).status == "queued"
    with mail_db.transaction() as s:  # ... marketing mail to them does
        marketing = enqueue(s, idempotency_key="newsletter-1", to="lea@buyer.example", subject="News", text="Hi",
                            lead_id=made.lead_id, settings=mail_db.settings)
        assert marketing.status == "suppressed" and marketing.last_error == "no consent to email"
