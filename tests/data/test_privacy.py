"""Export and erasure of one person across every table, on both databases."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import JSON, String, Text, cast, select
from typer.testing import CliRunner

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.data.models import (
    Account,
    Activity,
    ActivityType,
    Base,
    Call,
    CallParticipant,
    Contact,
    Direction,
    EmailMessage,
    EmailThread,
    FeatureSnapshot,
    Lead,
    ModelPrediction,
    NpsResponse,
    Opportunity,
    OpportunityContact,
    Order,
    OrderLine,
    PredictionFeedback,
    Product,
    Role,
    SpeakerRole,
    SupportTicket,
    User,
    Utterance,
)
from salesmind.data.privacy import erase_person, export_person

EMAIL, NAME = "jane@acme.com", "Jane Doe"
WHOLE_EMAIL = re.compile(r"(?<![\w.+-])jane@acme\.com", re.IGNORECASE)  # not mary.jane@acme.com
T = datetime(2025, 3, 1, tzinfo=timezone.utc)


@pytest.fixture
def world(database: Database) -> dict[str, int]:
    """Jane Doe (a lead converted into a contact) in every table, and Mary Jane, who must survive."""
    with database.transaction() as s:
        rep = User(email="rita@seller.io", name="Rita Rep")
        acme = Account(name="Acme", domain="acme.com")
        product = Product(sku="P1", name="Seat")
        s.add_all([rep, acme, product])
        s.flush()
        jane = Contact(first_name="Jane", last_name="Doe", email="JANE@acme.com", account_id=acme.id)
        mary = Contact(first_name="Mary", last_name="Jane", email="mary.jane@acme.com", account_id=acme.id)
        s.add_all([jane, mary])
        s.flush()
        lead = Lead(first_name="Jane", last_name="Doe", email=EMAIL, converted_contact_id=jane.id,
                    form_answers={"email": EMAIL, "budget": "10k"})
        deal = Opportunity(name="Acme - Jane Doe expansion", stage="proposal", account_id=acme.id,
                           primary_contact_id=jane.id, amount=Decimal(900))
        s.add_all([lead, deal])
        s.flush()
        own = EmailThread(subject="Pricing", contact_id=jane.id)
        marys = EmailThread(subject="Team update", contact_id=mary.id)
        s.add_all([own, marys])
        s.flush()
        cc = EmailMessage(thread_id=marys.id, direction=Direction.OUTBOUND, from_address="rita@seller.io",
                          to_address="mary.jane@acme.com, Jane Doe <jane@acme.com>", body_text="Hi both",
                          sent_at=T)
        s.add_all([
            EmailMessage(thread_id=own.id, direction=Direction.OUTBOUND, from_address="rita@seller.io",
                         to_address=EMAIL, body_text="Dear Jane Doe, our prices", sent_at=T, contact_id=jane.id),
            EmailMessage(thread_id=own.id, direction=Direction.INBOUND, from_address=EMAIL,
                         to_address="rita@seller.io", body_text="Too expensive. Jane", sent_at=T),
            cc,
            EmailMessage(thread_id=marys.id, direction=Direction.INBOUND, from_address="mary.jane@acme.com",
                         to_address="rita@seller.io", body_text="Jane Doe (jane@acme.com) agrees", sent_at=T),
        ])
        s.flush()
        s.add_all([
            Activity(type=ActivityType.FORM_SUBMIT, occurred_at=T, lead_id=lead.id, details={"from": EMAIL}),
            Activity(type=ActivityType.EMAIL_OPENED, occurred_at=T, contact_id=jane.id),
            Activity(type=ActivityType.EMAIL_SENT, occurred_at=T, contact_id=mary.id, email_message_id=cc.id),
        ])
        call = Call(title="Demo with Jane Doe", started_at=T, lead_id=lead.id, opportunity_id=deal.id)
        s.add(call)
        s.flush()
        p_rep = CallParticipant(call_id=call.id, speaker_label="Rita", role=SpeakerRole.REP, user_id=rep.id)
        p_jane = CallParticipant(call_id=call.id, speaker_label="Jane Doe", role=SpeakerRole.PROSPECT,
                                 contact_id=jane.id, name=NAME)
        p_mary = CallParticipant(call_id=call.id, speaker_label="Mary", role=SpeakerRole.PROSPECT,
                                 contact_id=mary.id, name="Mary Jane")
        s.add_all([p_rep, p_jane, p_mary])
        s.flush()
        s.add_all([
            Utterance(call_id=call.id, participant_id=p_rep.id, speaker_label="Rita", start_seconds=0,
                      end_seconds=2, text="Thanks for joining, Jane Doe"),
            Utterance(call_id=call.id, participant_id=p_jane.id, speaker_label="Jane Doe", start_seconds=2,
                      end_seconds=5, text="Write to me at jane@acme.com"),
            Utterance(call_id=call.id, participant_id=None, speaker_label="Jane Doe", start_seconds=5,
                      end_seconds=6, text="Our budget is small"),
            Utterance(call_id=call.id, participant_id=p_mary.id, speaker_label="Mary", start_seconds=6,
                      end_seconds=7, text="I agree"),
        ])
        order = Order(account_id=acme.id, contact_id=jane.id, ordered_at=T, total=Decimal("1200.50"))
        s.add(order)
        s.flush()
        s.add_all([
            OrderLine(order_id=order.id, product_id=product.id, quantity=2, unit_price=Decimal("600.25")),
            OpportunityContact(opportunity_id=deal.id, contact_id=jane.id, role="champion"),
            OpportunityContact(opportunity_id=deal.id, contact_id=mary.id, role="user"),
            SupportTicket(account_id=acme.id, contact_id=jane.id, opened_at=T, subject="Login",
                          body_text="I am Jane Doe and cannot log in"),
            NpsResponse(account_id=acme.id, contact_id=jane.id, responded_at=T, score=9, comment="Great - Jane"),
            FeatureSnapshot(entity_type="lead", entity_id=lead.id, as_of=T, feature_set="v1", values={"x": 1}),
            FeatureSnapshot(entity_type="contact", entity_id=jane.id, as_of=T, feature_set="v1", values={}),
        ])
        scored = ModelPrediction(model_name="lead", model_version="1", entity_type="lead", entity_id=lead.id,
                                 score=0.9)
        s.add_all([scored, ModelPrediction(model_name="lead", model_version="1", entity_type="contact",
                                           entity_id=mary.id, score=0.2, reasons={"note": f"referred by {EMAIL}"})])
        s.flush()
        s.add(PredictionFeedback(prediction_id=scored.id, verdict="agree"))
        return {"jane": jane.id, "mary": mary.id, "lead": lead.id, "order": order.id, "deal": deal.id,
                "call": call.id, "marys_thread": marys.id, "cc": cc.id}


def _traces(database: Database) -> list[str]:
    """Every text cell of every table that still holds Jane's address or full name."""
    found = []
    with database.transaction() as s:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, JSON):
                    values = s.scalars(select(cast(column, Text)))
                elif isinstance(column.type, String):
                    values = s.scalars(select(column))
                else:
                    continue
                found += [f"{table.name}.{column.name}: {v}" for v in values
                          if v and (WHOLE_EMAIL.search(str(v)) or NAME.lower() in str(v).lower())]
    return found


def test_export_collects_every_table(database: Database, world: dict[str, int]) -> None:
    with database.transaction() as s:
        data = export_person(s, " Jane@ACME.com ")
    json.dumps(data)  # JSON-ready as it is
    assert data["email"] == EMAIL and data["names"] == [NAME]
    assert data["counts"] == {
        "activities": 2, "call_participants": 1, "calls": 1, "contacts": 1, "email_messages": 3,
        "email_threads": 2, "feature_snapshots": 2, "leads": 1, "model_predictions": 1, "nps_responses": 1,
        "opportunities": 1, "opportunity_contacts": 1, "order_lines": 1, "orders": 1, "prediction_feedback": 1,
        "support_tickets": 1, "utterances": 2,
    }
    assert {u["text"] for u in data["records"]["utterances"]} == {"Write to me at jane@acme.com",
                                                                 "Our budget is small"}
    assert data["records"]["orders"][0]["total"] == "1200.50"
    mentioned = {(m["table"], tuple(m["columns"])) for m in data["mentions"]}
    assert mentioned == {("email_messages", ("body_text",)), ("utterances", ("text",)),
                         ("model_predictions", ("reasons",))}


def test_erase_leaves_no_trace_and_keeps_the_business_records(database: Database, world: dict[str, int]) -> None:
    assert _traces(database)
    with database.transaction() as s:
        report = erase_person(s, EMAIL)
    assert report.deleted["leads"] == 1 and report.deleted["contacts"] == 1
    assert report.deleted["email_messages"] == 3 and report.anonymised["utterances"] >= 2
    assert _traces(database) == []
    with database.transaction() as s:
        order = s.get(Order, world["order"])
        assert order.total == Decimal("1200.50") and order.contact_id is None
        assert s.get(Contact, world["mary"]).email == "mary.jane@acme.com"
        assert s.get(Opportunity, world["deal"]).primary_contact_id is None
        assert s.get(EmailThread, world["marys_thread"]) is not None
        assert s.get(EmailMessage, world["cc"]) is None
        assert s.scalar(select(Activity.email_message_id).where(Activity.contact_id == world["mary"])) is None
        said = dict(s.execute(select(Utterance.start_seconds, Utterance.text)
                              .where(Utterance.call_id == world["call"])).all())
        assert said == {0: "Thanks for joining, [erased]", 2: "[erased]", 5: "[erased]", 6: "I agree"}
        assert s.scalar(select(SupportTicket.body_text)) is None and s.scalar(select(NpsResponse.score)) == 9
        assert [c.contact_id for c in s.scalars(select(OpportunityContact))] == [world["mary"]]


def test_erase_is_idempotent(database: Database, world: dict[str, int]) -> None:
    with database.transaction() as s:
        assert erase_person(s, EMAIL).total > 0
    with database.transaction() as s:
        again = erase_person(s, EMAIL)
    assert again.total == 0 and again.deleted == {} and again.anonymised == {}


def test_erase_is_all_or_nothing(database: Database, world: dict[str, int]) -> None:
    with pytest.raises(RuntimeError), database.transaction() as s:
        erase_person(s, EMAIL)
        raise RuntimeError("crash after erasing")
    assert _traces(database)


def test_bad_address_is_a_clear_error(database: Database) -> None:
    with database.transaction() as s, pytest.raises(UserInputError, match="not an email address"):
        export_person(s, "jane at acme")


@pytest.fixture
def env(database: Database, tmp_path: Path) -> dict[str, str]:
    return {"SALESMIND_HOME": str(tmp_path / "cli"), "SALESMIND_DATABASE_URL": database.settings.database_url}


def _cli():  # type: ignore[no-untyped-def]
    import salesmind.cli.privacy_cmd  # noqa: F401  (registers the commands before main imports it)
    from salesmind.cli.main import app

    return app


def test_cli_export_to_file_and_screen(env: dict[str, str], world: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "jane.json"
    result = CliRunner().invoke(_cli(), ["privacy", "export", EMAIL, "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout and json.loads(out.read_text())["counts"]["leads"] == 1
    shown = CliRunner().invoke(_cli(), ["privacy", "export", EMAIL], env=env)
    assert json.loads(shown.stdout) == json.loads(out.read_text())


def test_cli_erase_needs_yes(database: Database, env: dict[str, str], world: dict[str, int]) -> None:
    refused = CliRunner().invoke(_cli(), ["privacy", "erase", EMAIL], env=env)
    assert refused.exit_code == 2 and "add --yes" in refused.output and "Traceback" not in refused.output
    assert _traces(database)
    done = CliRunner().invoke(_cli(), ["privacy", "erase", EMAIL, "--yes", "--json"], env=env)
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["deleted"]["leads"] == 1
    assert _traces(database) == []
    plain = CliRunner().invoke(_cli(), ["privacy", "erase", EMAIL, "--yes"], env=env)
    assert plain.exit_code == 0 and "nothing was stored" in plain.stdout


def _client(database: Database, role: Role) -> TestClient:
    from salesmind.api import create_app
    from salesmind.api.routes import privacy as privacy_routes
    from salesmind.data.users import create_api_key, create_user

    application = create_app(database.settings, database=database)
    if not any(getattr(r, "path", "") == "/api/privacy/export" for r in application.routes):
        application.include_router(privacy_routes.router, prefix="/api")
    with database.transaction() as s:
        user = create_user(s, f"{role.value}@seller.io", role.value, role=role)
        _, key = create_api_key(s, user, "test")
    return TestClient(application, headers={"Authorization": f"Bearer {key}"})


def test_api_export_and_erase_for_admins_only(database: Database, world: dict[str, int]) -> None:
    manager = _client(database, Role.MANAGER)
    assert manager.get("/api/privacy/export", params={"email": EMAIL}).status_code == 403
    assert manager.post("/api/privacy/erase", json={"email": EMAIL}).status_code == 403
    admin = _client(database, Role.ADMIN)
    exported = admin.get("/api/privacy/export", params={"email": EMAIL})
    assert exported.status_code == 200 and exported.json()["counts"]["contacts"] == 1
    assert admin.get("/api/privacy/export", params={"email": "nope"}).status_code == 422
    erased = admin.post("/api/privacy/erase", json={"email": EMAIL})
    assert erased.status_code == 200 and erased.json()["deleted"]["contacts"] == 1
    assert _traces(database) == []


def test_engagement_records_are_exported_and_erased(database: Database, world: dict[str, int]) -> None:
    """Outbox mail, enrolments, tasks, bookings and form submissions are the person's too; the
    suppression list (hashes) survives, so an erased person who unsubscribed is never mailed again."""
    from salesmind.data.models import (Booking, Enrolment, InboundSubmission, OutboxMessage, Sequence,
                                       Suppression, Task)
    from salesmind.engagement.mail.suppression import address_hash, is_suppressed

    with database.transaction() as s:
        rep = s.scalar(select(User))
        sequence = Sequence(name="Outbound")
        s.add(sequence)
        s.flush()
        enrolment = Enrolment(sequence_id=sequence.id, lead_id=world["lead"], owner_id=rep.id)
        s.add_all([
            enrolment,
            OutboxMessage(idempotency_key="k1", message_id="<k1@x>", from_address="rita@seller.io",
                          to_address="Jane@Acme.com", subject="Hello Jane Doe", body_text="Hi Jane Doe"),
            OutboxMessage(idempotency_key="k2", message_id="<k2@x>", from_address="rita@seller.io",
                          to_address="mary.jane@acme.com", subject="Hi", body_text="Hi Mary"),
            Task(user_id=rep.id, kind="call", title="Call the lead", due_at=T, lead_id=world["lead"]),
            Booking(uid="b1", user_id=rep.id, starts_at=T, ends_at=T, visitor_name=NAME, visitor_email=EMAIL,
                    visitor_timezone="UTC", notes="Jane Doe wants pricing", slot_key="1:x"),
            InboundSubmission(lead_id=world["lead"], payload={"email": EMAIL, "message": "call me"},
                              reply_queued_at=T),
            Suppression(email_hash=address_hash(EMAIL), reason="unsubscribe"),
        ])
    with database.transaction() as s:
        counts = export_person(s, EMAIL)["counts"]
    assert {k: counts[k] for k in ("outbox_messages", "enrolments", "tasks", "bookings", "inbound_submissions")} == {
        "outbox_messages": 1, "enrolments": 1, "tasks": 1, "bookings": 1, "inbound_submissions": 1}
    with database.transaction() as s:
        report = erase_person(s, EMAIL)
    assert report.deleted["outbox_messages"] == 1 and report.deleted["enrolments"] == 1
    assert report.anonymised["bookings"] == 1 and report.anonymised["inbound_submissions"] == 1
    assert _traces(database) == []
    with database.transaction() as s:
        assert [m.to_address for m in s.scalars(select(OutboxMessage))] == ["mary.jane@acme.com"]
        booking = s.scalar(select(Booking))
        assert (booking.visitor_email, booking.visitor_name, booking.notes) == ("[erased]", None, None)
        submission = s.scalar(select(InboundSubmission))
        assert submission.payload is None and submission.reply_queued_at is not None
        assert s.scalar(select(Task)) is None and s.scalar(select(Enrolment)) is None
        assert is_suppressed(s, EMAIL)
