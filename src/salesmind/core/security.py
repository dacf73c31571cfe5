"""Password hashing (Argon2id) and API keys (random, stored as SHA-256 hashes)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()  # Argon2id with the library's current recommended parameters
API_KEY_PREFIX = "sm_"
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    return _HASHER.hash(password)


def verify_password(password: str, stored_hash: str | None) -> bool:
    """True when ``password`` matches ``stored_hash``."""
    if not stored_hash:
        return False
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_api_key() -> tuple[str, str, str]:
    """Make a key: returns ``(full_key, prefix, key_hash)``; only prefix and hash are stored."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    full = f"{API_KEY_PREFIX}{prefix}_{secret}"
    return full, prefix, hash_api_key(full)


def split_api_key(full: str) -> str | None:
    """Return the prefix of a well-formed key, or None."""
    if not full.startswith(API_KEY_PREFIX):
        return None
    parts = full[len(API_KEY_PREFIX):].split("_", 1)
    return parts[0] if len(parts) == 2 and parts[0] else None


def hash_api_key(full: str) -> str:
    """SHA-256 of the whole key (keys are long random strings, so a fast hash is enough)."""
    return hashlib.sha256(full.encode()).hexdigest()


def api_key_matches(full: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented key with a stored hash."""
    return hmac.compare_digest(hash_api_key(full), stored_hash)
