"""Typed settings read from the environment, built by a factory (never at import time)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from salesmind.core.errors import ConfigError

ENV_PREFIX = "SALESMIND_"
SMTP_SECURITY = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class MailSettings:
    """Mail: the SMTP server, the sender, the public address of unsubscribe links, the throttle, the IMAP inbox."""

    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    from_address: str = "salesmind@localhost"
    public_url: str = "http://127.0.0.1:8000"
    per_minute: int = 60
    imap_host: str = ""
    imap_port: int = 993
    imap_security: str = "ssl"
    imap_username: str = ""
    imap_password: str = ""
    imap_mailbox: str = "INBOX"
    #: True when ``salesmind serve --mail-catcher`` runs the loopback catcher (``SALESMIND_MAIL_CATCHER=1``).
    catcher: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "MailSettings":
        """Read ``SALESMIND_SMTP_*``, ``SALESMIND_MAIL_*``, ``SALESMIND_IMAP_*`` and ``SALESMIND_PUBLIC_URL``."""
        security = env.get(f"{ENV_PREFIX}SMTP_SECURITY", "starttls").lower()
        if security not in SMTP_SECURITY:
            raise ConfigError(f"SALESMIND_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, not {security!r}")
        default_port = {"none": "25", "starttls": "587", "ssl": "465"}[security]
        imap_security = env.get(f"{ENV_PREFIX}IMAP_SECURITY", "ssl").lower()
        if imap_security not in SMTP_SECURITY:
            raise ConfigError(f"SALESMIND_IMAP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, "
                              f"not {imap_security!r}")
        return cls(
            smtp_host=env.get(f"{ENV_PREFIX}SMTP_HOST", ""),
            smtp_port=_whole(env, "SMTP_PORT", default_port),
            smtp_security=security,
            smtp_username=env.get(f"{ENV_PREFIX}SMTP_USERNAME", ""),
            smtp_password=env.get(f"{ENV_PREFIX}SMTP_PASSWORD", ""),
            from_address=env.get(f"{ENV_PREFIX}MAIL_FROM", "salesmind@localhost"),
            public_url=env.get(f"{ENV_PREFIX}PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
            per_minute=_whole(env, "MAIL_PER_MINUTE", "60"),
            imap_host=env.get(f"{ENV_PREFIX}IMAP_HOST", ""),
            imap_port=_whole(env, "IMAP_PORT", {"none": "143", "starttls": "143", "ssl": "993"}[imap_security]),
            imap_security=imap_security,
            imap_username=env.get(f"{ENV_PREFIX}IMAP_USERNAME", ""),
            imap_password=env.get(f"{ENV_PREFIX}IMAP_PASSWORD", ""),
            imap_mailbox=env.get(f"{ENV_PREFIX}IMAP_MAILBOX", "INBOX"),
            catcher=env.get(f"{ENV_PREFIX}MAIL_CATCHER", "") == "1",
        )


@dataclass(frozen=True)
class InboundSettings:
    """Inbound leads: the first-reply target, the hot-lead score, the public form key, the sequence to enrol in."""

    reply_minutes: int = 5
    hot_lead_score: float = 0.5
    form_key: str = ""
    sequence: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "InboundSettings":
        """Read ``SALESMIND_INBOUND_*``, ``SALESMIND_HOT_LEAD_SCORE`` and ``SALESMIND_FORM_KEY``."""
        raw = env.get(f"{ENV_PREFIX}HOT_LEAD_SCORE", "0.5")
        try:
            hot = float(raw)
        except ValueError:
            hot = -1.0
        if not 0.0 <= hot <= 1.0:
            raise ConfigError(f"{ENV_PREFIX}HOT_LEAD_SCORE must be a probability between 0 and 1, not {raw!r}")
        key = env.get(f"{ENV_PREFIX}FORM_KEY", "")
        if key and not (8 <= len(key) <= 64 and key.replace("-", "").replace("_", "").isalnum()):
            raise ConfigError(f"{ENV_PREFIX}FORM_KEY must be 8 to 64 letters, digits, - or _")
        minutes = _whole(env, "INBOUND_REPLY_MINUTES", "5")
        if minutes < 1:
            raise ConfigError(f"{ENV_PREFIX}INBOUND_REPLY_MINUTES must be at least 1")
        return cls(reply_minutes=minutes, hot_lead_score=hot, form_key=key,
                   sequence=env.get(f"{ENV_PREFIX}INBOUND_SEQUENCE", "").strip())


def _whole(env: Mapping[str, str], name: str, default: str) -> int:
    """A non-negative whole-number setting, or :class:`ConfigError` naming it."""
    raw = env.get(f"{ENV_PREFIX}{name}", default)
    if not raw.isdigit():
        raise ConfigError(f"{ENV_PREFIX}{name} must be a whole number, not {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class Settings:
    """Everything salesmind can be configured with.

    ``home`` holds the embedded database, the secret key and saved models.
    ``database_url`` defaults to a SQLite file in ``home``; set
    ``SALESMIND_DATABASE_URL`` to use PostgreSQL (``postgresql+psycopg://...``).
    """

    home: Path
    database_url: str
    secret_key: str
    host: str = "127.0.0.1"
    port: int = 8000
    timezone: str = "UTC"
    session_cookie_secure: bool = False
    redact_transcripts: bool = False
    draft_templates_dir: str = ""
    writer_base_url: str = ""
    writer_api_key: str = ""
    writer_model: str = ""
    mail: MailSettings = field(default_factory=MailSettings)
    inbound: InboundSettings = field(default_factory=InboundSettings)
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from ``SALESMIND_*`` variables, creating ``home`` if needed."""
        env = os.environ if env is None else env
        home = Path(env.get(f"{ENV_PREFIX}HOME", "~/.salesmind")).expanduser().resolve()
        try:
            home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"SALESMIND_HOME {home} cannot be created: {exc}") from exc
        url = env.get(f"{ENV_PREFIX}DATABASE_URL") or f"sqlite:///{home / 'salesmind.db'}"
        url = normalise_database_url(url)
        secret = env.get(f"{ENV_PREFIX}SECRET_KEY") or _stored_secret(home)
        try:
            port = int(env.get(f"{ENV_PREFIX}PORT", "8000"))
        except ValueError as exc:
            raise ConfigError("SALESMIND_PORT must be a whole number") from exc
        return cls(
            home=home,
            database_url=url,
            secret_key=secret,
            host=env.get(f"{ENV_PREFIX}HOST", "127.0.0.1"),
            port=port,
            timezone=env.get(f"{ENV_PREFIX}TIMEZONE", "UTC"),
            session_cookie_secure=env.get(f"{ENV_PREFIX}COOKIE_SECURE", "0") == "1",
            redact_transcripts=env.get(f"{ENV_PREFIX}REDACT_TRANSCRIPTS", "0") == "1",
            draft_templates_dir=env.get(f"{ENV_PREFIX}DRAFT_TEMPLATES", ""),
            writer_base_url=env.get(f"{ENV_PREFIX}WRITER_BASE_URL", "").rstrip("/"),
            writer_api_key=env.get(f"{ENV_PREFIX}WRITER_API_KEY", ""),
            writer_model=env.get(f"{ENV_PREFIX}WRITER_MODEL", ""),
            mail=MailSettings.from_env(env),
            inbound=InboundSettings.from_env(env),
        )

    def with_overrides(self, **changes: object) -> "Settings":
        """Return a copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def models_dir(self) -> Path:
        """Folder where trained model versions are saved."""
        path = self.home / "models"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def is_sqlite(self) -> bool:
        """True when the database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if not (url.startswith("sqlite") or url.startswith("postgresql+")):
        raise ConfigError(
            f"SALESMIND_DATABASE_URL {url.split('://')[0]}://... is not supported: "
            "use sqlite:///path or postgresql://user:pass@host/db"
        )
    return url


def _stored_secret(home: Path) -> str:
    """Read the secret key kept in ``home``, creating it on first use."""
    path = home / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
