"""A real SMTP server on loopback that keeps what it receives, for the tests and the outbox benchmark.

It runs aiosmtpd (a dependency for ``serve --mail-catcher``; never needed to send mail) on 127.0.0.1 and can be stopped
and started again on the same port, to play a mail server going down. Recipients in ``refuse`` are
answered ``550`` (a hard bounce); the first ``defer_next`` messages are answered ``451`` (try later).
With ``tls`` it requires STARTTLS (or, with ``implicit_tls``, speaks TLS from the first byte).
"""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any


@dataclass
class Received:
    """One message as the server got it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        """The Message-ID header."""
        return str(self.message["Message-ID"])


@dataclass
class _Sink:
    refuse: set[str] = field(default_factory=set)
    defer_next: int = 0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.defer_next > 0:
                self.defer_next -= 1
                return "451 4.3.0 try again later"
            raw = envelope.original_content or envelope.content
            parsed = message_from_bytes(raw, policy=policy.default)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 2.0.0 Ok: queued"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LoopbackSMTP:
    """An aiosmtpd server on 127.0.0.1:``port`` (a free port by default) that records every message."""

    def __init__(self, port: int | None = None, *, auth: tuple[str, str] | None = None,
                 tls: ssl.SSLContext | None = None, implicit_tls: bool = False) -> None:
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.auth = auth
        self.tls, self.implicit_tls = tls, implicit_tls
        self.sink = _Sink()
        self._controller: Any = None

    @property
    def received(self) -> list[Received]:
        """Messages received so far (across restarts)."""
        return self.sink.received

    @property
    def running(self) -> bool:
        """True while the server accepts connections."""
        return self._controller is not None

    def start(self) -> "LoopbackSMTP":
        """Start (or restart) listening on the same port."""
        from aiosmtpd.controller import Controller

        kwargs: dict[str, Any] = {}
        if self.auth is not None:
            user, password = self.auth

            def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
                from aiosmtpd.smtp import AuthResult

                ok = data.login.decode() == user and data.password.decode() == password
                return AuthResult(success=ok, handled=False) if not ok else AuthResult(success=True)

            kwargs = {"authenticator": check, "auth_require_tls": False, "auth_required": True}  # loopback only
        if self.tls is not None:
            kwargs.update({"ssl_context": self.tls} if self.implicit_tls else
                          {"tls_context": self.tls, "require_starttls": True})
        self._controller = Controller(self.sink, hostname=self.host, port=self.port, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening (connections are refused until :meth:`start`)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> "LoopbackSMTP":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
