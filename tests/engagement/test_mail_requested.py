"""A message the person asked for (their form's answer, their meeting invitation) needs no marketing
consent; the suppression list and do-not-contact still refuse it."""

from __future__ import annotations

from salesmind.core.db import Database
from salesmind.data.models import Lead
from salesmind.engagement.mail.outbox import enqueue
from salesmind.engagement.mail.suppression import suppress


def _lead(session, email: str, **flags) -> Lead:  # type: ignore[no-untyped-def]
    lead = Lead(first_name="Ana", email=email, **flags)
    session.add(lead)
    session.flush()
    return lead


def test_requested_mail_skips_consent_but_not_suppression_or_do_not_contact(database: Database) -> None:
    settings = database.settings
    with database.transaction() as s:
        fresh = _lead(s, "ana@acme.com", consent_email=False)
        blocked = _lead(s, "bo@acme.com", consent_email=False, do_not_contact=True)
        gone = _lead(s, "cy@acme.com", consent_email=True)
        suppress(s, "cy@acme.com", "unsubscribe")

        def send(key: str, lead: Lead, requested: bool) -> str:
            return enqueue(s, idempotency_key=key, to=lead.email or "", subject="Hi", text="Hello", lead_id=lead.id,
                           settings=settings, requested=requested).status

        assert send("m1", fresh, requested=False) == "suppressed"  # marketing mail needs consent
        assert send("m2", fresh, requested=True) == "queued"       # the answer to their own request does not
        assert send("m3", blocked, requested=True) == "suppressed"
        assert send("m4", gone, requested=True) == "suppressed"
