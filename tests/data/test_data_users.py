"""An API key's last use is stamped at most once a minute (so reads do not become writes)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from salesmind.core.db import Database
from salesmind.data.models import Role
from salesmind.data.users import create_api_key, create_user, user_for_api_key

T0 = datetime(2025, 1, 1, 9, tzinfo=timezone.utc)


def test_last_use_is_stamped_once_a_minute(sqlite_database: Database) -> None:
    with sqlite_database.transaction() as s:
        user = create_user(s, "a@x.io", "A", Role.REP, password="correct horse battery")
        key, full = create_api_key(s, user, "k")
        assert user_for_api_key(s, full, now=T0).id == user.id and key.last_used_at == T0
        user_for_api_key(s, full, now=T0 + timedelta(seconds=30))
        assert key.last_used_at == T0 and not s.dirty  # nothing to write
        user_for_api_key(s, full, now=T0 + timedelta(minutes=1))
        assert key.last_used_at == T0 + timedelta(minutes=1)
