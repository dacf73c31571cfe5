"""Handling a submission: the first reply arrives in a real SMTP server within the target, personalised, once;
hot leads get a call task; the send time becomes the lead's first response."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from salesmind.core.db import Database
from salesmind.data.models import InboundSubmission, Lead, Task
from salesmind.data.models.outreach import OutboxMessage
from salesmind.engagement.inbound import handle_submission, record_sent_replies, reply_key, run_inbound_worker
from salesmind.engagement.mail.loopback import LoopbackSMTP
from salesmind.engagement.mail.outbox import deliver

from mail_world import mail_db, rng, smtp, transport, wait_for  # noqa: F401
from inbound_world import NOW, Team, form, later, team  # noqa: F401


def test_the_first_reply_arrives_personalised_with_an_unsubscribe_link_within_the_target(
        mail_db: Database, smtp: LoopbackSMTP, team: Team) -> None:
    made = handle_submission(mail_db, form(message="Can you forecast renewals?"), source="web", now=NOW)
    assert made.routed_to_id == team.eve and made.reply_queued_at == NOW
    sent_at = later(2)
    counts = deliver(mail_db, transport(mail_db.settings), now=sent_at, rng=rng())
    assert counts.sent == 1
    [got] = wait_for(smtp, 1)
    msg = got.message
    body = msg.get_body(("plain",)).get_content()
    assert got.rcpt_tos == ["lea@buyer.example"]
    assert msg["Subject"] == "Thanks for reaching out, Lea"
    assert msg["From"] == "Eve <sam@seller.example>" and msg["Reply-To"] == "eve@seller.example"
    assert "Hi Lea," in body and "about Buyer GmbH" in body and "“Can you forecast renewals?”" in body
    assert "I am Eve" in body and "https://crm.seller.example/book/eve-demo" in body
    unsubscribe = msg["List-Unsubscribe"].split(",")[0].strip(" <>")
    assert unsubscribe.startswith("https://crm.seller.example/u/") and unsubscribe in body
    with mail_db.transaction() as s:
        assert record_sent_replies(s) == 1
    with mail_db.transaction() as s:
        sub = s.get(InboundSubmission, made.id)
        lead = s.get(Lead, made.lead_id)
        assert sub.reply_sent_at == sent_at == lead.first_response_at
        target = timedelta(minutes=mail_db.settings.inbound.reply_minutes)
        assert sub.reply_sent_at - sub.received_at <= target
        assert s.get(OutboxMessage, made.first_reply_id).idempotency_key == reply_key(made.id)
        assert record_sent_replies(s) == 0


def test_the_worker_delivers_and_records_without_a_person(mail_db: Database, smtp: LoopbackSMTP, team: Team) -> None:
    from salesmind.core.timeutil import utcnow

    made = handle_submission(mail_db, form(), source="web", now=utcnow())
    stop = threading.Event()
    worker = threading.Thread(target=run_inbound_worker, args=(mail_db, transport(mail_db.settings), stop, 0.05))
    worker.start()
    try:
        assert len(wait_for(smtp, 1, timeout=5)) == 1
        for _ in range(100):
            with mail_db.transaction() as s:
                if s.get(Lead, made.lead_id).first_response_at is not None:
                    break
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join(5)
    with mail_db.transaction() as s:
        sub = s.get(InboundSubmission, made.id)
        assert sub.reply_sent_at is not None and sub.reply_sent_at - sub.received_at < timedelta(minutes=5)


def test_the_same_idempotency_key_and_payload_makes_one_submission_and_one_reply(
        mail_db: Database, smtp: LoopbackSMTP, team: Team) -> None:
    first = handle_submission(mail_db, form(), source="api", now=NOW, idempotency_key="hook-1")
    again = handle_submission(mail_db, form(), source="api", now=later(1), idempotency_key="hook-1")
    assert again.id == first.id
    deliver(mail_db, transport(mail_db.settings), now=later(2), rng=rng())
    deliver(mail_db, transport(mail_db.settings), now=later(3), rng=rng())
    assert len(wait_for(smtp, 1)) == 1
    with mail_db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundSubmission)) == 1
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    with pytest.raises(Exception, match="already used for a different submission"):
        handle_submission(mail_db, form(message="other"), source="api", now=later(4), idempotency_key="hook-1")


def _stand_in_scores(monkeypatch: pytest.MonkeyPatch, probabilities: dict[str, float]) -> None:
    """Replace the lead model (tested in tests/scoring) by fixed probabilities per email."""
    import salesmind.scoring.rescoring as rescoring

    def score_records(session, kind, ids, *, now, models_dir):  # type: ignore[no-untyped-def]
        lead = session.get(Lead, ids[0])
        return [SimpleNamespace(probability=probabilities[lead.email], model_name="lead", model_version=1)]

    monkeypatch.setattr(rescoring, "score_records", score_records)


def test_a_hot_lead_gets_a_call_task_due_within_the_target(mail_db: Database, team: Team,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _stand_in_scores(monkeypatch, {"hot@buyer.example": 0.8, "cold@buyer.example": 0.2})
    hot = handle_submission(mail_db, form(email="hot@buyer.example", company="Hot AG"), source="web", now=NOW)
    cold = handle_submission(mail_db, form(email="cold@buyer.example"), source="web", now=NOW)
    assert (hot.score, cold.score) == (0.8, 0.2) and cold.call_task_id is None
    assert "hot: score 0.80 reaches 0.50" in hot.routing_reason
    with mail_db.transaction() as s:
        task = s.get(Task, hot.call_task_id)
        assert (task.kind, task.user_id, task.lead_id, task.status) == ("call", hot.routed_to_id, hot.lead_id, "open")
        assert task.due_at == NOW + timedelta(minutes=5) and "Hot AG" in task.title


def test_without_a_lead_model_the_lead_is_routed_unscored(mail_db: Database, team: Team) -> None:
    made = handle_submission(mail_db, form(), source="web", now=NOW)
    assert made.score is None and made.call_task_id is None and made.routed_to_id is not None
    assert made.routing_reason.endswith("(not scored: no lead model is trained)")


def test_the_lead_is_enrolled_in_the_inbound_sequence_once(mail_db: Database, team: Team) -> None:
    from salesmind.data.models import Enrolment, Sequence, SequenceStep

    with mail_db.transaction() as s:
        sequence = Sequence(name="Inbound follow-up")
        s.add(sequence)
        s.flush()
        s.add(SequenceStep(sequence_id=sequence.id, position=0, kind="email", wait_days=1, template="intro"))
    inbound = replace(mail_db.settings.inbound, sequence="Inbound follow-up")
    mail_db.settings = mail_db.settings.with_overrides(inbound=inbound)
    first = handle_submission(mail_db, form(), source="web", now=NOW)
    again = handle_submission(mail_db, form(), source="web", now=later(10))
    assert first.routing_reason.endswith("; enrolled in Inbound follow-up")
    assert "not enrolled: lead" in again.routing_reason and "already enrolled" in again.routing_reason
    with mail_db.transaction() as s:
        [enrolment] = s.scalars(select(Enrolment)).all()
        assert (enrolment.lead_id, enrolment.owner_id) == (first.lead_id, first.routed_to_id)
    missing = replace(inbound, sequence="No such sequence")
    mail_db.settings = mail_db.settings.with_overrides(inbound=missing)
    assert "not enrolled: no sequence" in handle_submission(mail_db, form(email="n@x.example"), source="web",
                                                            now=NOW).routing_reason


def test_a_lead_in_the_top_decile_of_recent_scores_is_hot_below_the_threshold(
        mail_db: Database, team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    from salesmind.data.models import ModelPrediction

    with mail_db.transaction() as s:  # twenty recent scores from 0.01 to 0.20
        s.add_all(ModelPrediction(model_name="lead", model_version=1, entity_type="lead", entity_id=900 + i,
                                  scored_at=NOW, probability=(i + 1) / 100, score=i + 1, grade="D", reasons={})
                  for i in range(20))
    _stand_in_scores(monkeypatch, {"top@x.example": 0.30, "mid@x.example": 0.10})
    top = handle_submission(mail_db, form(email="top@x.example"), source="web", now=NOW)
    mid = handle_submission(mail_db, form(email="mid@x.example"), source="web", now=NOW)
    assert top.call_task_id is not None and "top decile of the last 20 lead scores" in top.routing_reason
    assert mid.call_task_id is None
