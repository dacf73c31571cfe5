"""Passwords use Argon2id; API keys are stored only as hashes."""

from __future__ import annotations

from salesmind.core.security import hash_password, new_api_key, split_api_key, verify_password, api_key_matches


def test_password_hash_is_argon2id_and_verifies() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("$argon2id$")
    assert verify_password("correct horse", stored)
    assert not verify_password("wrong horse", stored)
    assert not verify_password("x", None)
    assert not verify_password("x", "not-a-hash")


def test_api_key_round_trip() -> None:
    full, prefix, key_hash = new_api_key()
    assert split_api_key(full) == prefix
    assert full not in key_hash and api_key_matches(full, key_hash)
    assert not api_key_matches(full + "x", key_hash)
    assert split_api_key("garbage") is None
