"""Sending through an SMTP server with smtplib: TLS or STARTTLS, login, one connection per batch.

Failures are told apart the way SMTP does: a 4xx reply or a lost connection is transient (try again
later); a 5xx reply is permanent. A 5xx refusal of the recipient is a hard bounce, which the outbox
turns into a suppression.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from types import TracebackType
from typing import Protocol

from salesmind.core.errors import ConfigError
from salesmind.core.settings import MailSettings


class SendError(Exception):
    """A message was not accepted. ``permanent``: do not retry; ``recipient_refused``: a hard bounce;
    ``connection``: the server could not be reached (nothing in this batch can be sent now)."""

    def __init__(self, message: str, *, code: int | None = None, permanent: bool = False,
                 recipient_refused: bool = False, connection: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent
        self.recipient_refused = recipient_refused
        self.connection = connection


class Transport(Protocol):
    """What the outbox needs from a mail transport."""

    def __enter__(self) -> "Transport": ...

    def __exit__(self, *exc: object) -> None: ...

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> None:
        """Hand one message to the server or raise :class:`SendError`."""
        ...


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


class SMTPTransport:
    """An SMTP client that keeps one connection open while used as a context manager (reconnecting if dropped)."""

    def __init__(self, host: str, port: int, *, security: str = "starttls", username: str = "",
                 password: str = "", timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None) -> None:
        if not host:
            raise ConfigError("no SMTP server is configured: set SALESMIND_SMTP_HOST (and SALESMIND_SMTP_PORT)")
        if security not in ("none", "starttls", "ssl"):
            raise ConfigError(f"SMTP security must be none, starttls or ssl, not {security!r}")
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.timeout = username, password, timeout
        self.ssl_context = ssl_context
        self._smtp: smtplib.SMTP | None = None

    @classmethod
    def from_settings(cls, mail: MailSettings) -> "SMTPTransport":
        """The transport the settings describe."""
        return cls(mail.smtp_host, mail.smtp_port, security=mail.smtp_security, username=mail.smtp_username,
                   password=mail.smtp_password)

    def _connect(self) -> smtplib.SMTP:
        context = None if self.security == "none" else (self.ssl_context or ssl.create_default_context())
        try:
            if self.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password)
        except smtplib.SMTPAuthenticationError as exc:
            raise SendError(f"SMTP login refused ({exc.smtp_code}): check SALESMIND_SMTP_USERNAME and "
                            "SALESMIND_SMTP_PASSWORD", code=exc.smtp_code, connection=True) from exc
        except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
            raise SendError(f"cannot reach the SMTP server {self.host}:{self.port}: {exc}", connection=True) from exc
        return smtp

    def __enter__(self) -> "SMTPTransport":
        return self

    def __exit__(self, exc_type: type[BaseException] | None = None, exc: BaseException | None = None,
                 tb: TracebackType | None = None) -> None:
        self.close()

    def close(self) -> None:
        """Say QUIT and drop the connection (quietly, if it is already gone)."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> None:
        """Send one message on the open connection (opening or reopening it when needed)."""
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                refused = self._smtp.send_message(message, from_addr=sender, to_addrs=recipients)
            except smtplib.SMTPServerDisconnected as exc:
                self._smtp = None
                if attempt == 2:
                    raise SendError(f"the SMTP server closed the connection: {exc}", connection=True) from exc
                continue  # a connection idle too long: reconnect once
            except smtplib.SMTPRecipientsRefused as exc:
                code, reply = next(iter(exc.recipients.values()))
                raise SendError(f"recipient refused: {code} {_text(reply)}", code=code, permanent=code >= 500,
                                recipient_refused=code >= 500) from exc
            except smtplib.SMTPResponseException as exc:  # sender refused, data refused, ...
                self._reset()
                raise SendError(f"server refused the message: {exc.smtp_code} {_text(exc.smtp_error)}",
                                code=exc.smtp_code, permanent=exc.smtp_code >= 500) from exc
            except (OSError, smtplib.SMTPException) as exc:
                self._smtp = None
                raise SendError(f"sending failed: {exc}", connection=True) from exc
            if refused:  # only some recipients refused (we send one recipient per message, so rare)
                code, reply = next(iter(refused.values()))
                raise SendError(f"recipient refused: {code} {_text(reply)}", code=code, permanent=code >= 500,
                                recipient_refused=code >= 500)
            return

    def _reset(self) -> None:
        """RSET after a refused transaction so the connection can carry the next message."""
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._smtp = None
