"""A small book of inbound replies: rep Ann's lead Liam and rep Bob's contact Gina, an admin, API keys."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from salesmind.conversations.replies import MODEL_FILE, ReplyIntentClassifier, load_labelled, save_model
from salesmind.core.db import Database
from salesmind.data.models import Account, Contact, Direction, EmailMessage, EmailThread, Lead, Role
from salesmind.data.users import create_api_key, create_user

PASSWORD = "correct horse battery"
NOW = datetime(2025, 3, 10, 12, tzinfo=timezone.utc)
REPLIES = {
    "meeting": "Happy to meet - does Tuesday at 2pm work for a demo?\n\nOn Mon, Mar 3, 2025 Ann wrote:\n> pricing?",
    "ooo": "I am out of the office until 3/14 with limited access to email.",
    "referral": "I'm not the right person. Please contact Priya Natarajan (pnatarajan@acme.example) instead.",
    "unsubscribe": "Please remove me from your mailing list.",
}


@dataclass
class ReplyWorld:
    """Ids of users, API keys and messages (by the keys of :data:`REPLIES`, plus 'outbound')."""

    users: dict[str, int] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    messages: dict[str, int] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _trained_file() -> Path:
    """The default model trained once per test run (training takes seconds)."""
    train = load_labelled("train")
    model = ReplyIntentClassifier().fit([r.text for r in train], [r.intent for r in train])
    model.version_ = "reply-intent-test"
    return save_model(model, Path(tempfile.mkdtemp(prefix="reply-model-")))


def install_model(models_dir: Path) -> None:
    """Put the once-trained default model in ``models_dir``."""
    models_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(_trained_file(), models_dir / MODEL_FILE)


def seed_replies(database: Database) -> ReplyWorld:
    """Liam (Ann's lead) sends three replies, Gina (Bob's contact) asks to unsubscribe; one outbound email."""
    world = ReplyWorld()
    with database.transaction() as s:
        users = {"ada": create_user(s, "ada@r.io", "Ada", Role.ADMIN),
                 "ann": create_user(s, "ann@r.io", "Ann", Role.REP, password=PASSWORD),
                 "bob": create_user(s, "bob@r.io", "Bob", Role.REP)}
        account = Account(name="Globex", owner_id=users["bob"].id)
        s.add(account)
        s.flush()
        lead = Lead(first_name="Liam", last_name="Lopez", email="liam@acme.example", company="Acme",
                    owner_id=users["ann"].id)
        contact = Contact(account_id=account.id, first_name="Gina", last_name="Gold", email="gina@globex.example",
                          owner_id=users["bob"].id)
        s.add_all([lead, contact])
        s.flush()
        ann_thread, bob_thread = EmailThread(subject="Re: demo", lead_id=lead.id), EmailThread(subject="Re: hi")
        s.add_all([ann_thread, bob_thread])
        s.flush()

        def add(key: str, thread: EmailThread, direction: Direction, sender: str, to: str, body: str,
                **owner: int) -> None:
            m = EmailMessage(thread_id=thread.id, direction=direction, from_address=sender, to_address=to,
                             subject=thread.subject, body_text=body, sent_at=NOW, **owner)
            s.add(m)
            s.flush()
            world.messages[key] = m.id

        add("outbound", ann_thread, Direction.OUTBOUND, "ann@r.io", "liam@acme.example",
            "Would you like to see our pricing?", lead_id=lead.id)
        for key in ("meeting", "ooo", "referral"):
            add(key, ann_thread, Direction.INBOUND, "liam@acme.example", "ann@r.io", REPLIES[key], lead_id=lead.id)
        add("unsubscribe", bob_thread, Direction.INBOUND, "gina@globex.example", "bob@r.io", REPLIES["unsubscribe"],
            contact_id=contact.id)
        world.users = {n: u.id for n, u in users.items()}
        world.keys = {n: create_api_key(s, u, "tests")[1] for n, u in users.items()}
    return world


def classified_world(database: Database) -> ReplyWorld:
    """The seeded replies, classified by the once-trained default model."""
    from salesmind.conversations.reply_service import classify_replies

    install_model(database.settings.models_dir)
    world = seed_replies(database)
    classify_replies(database)
    return world
