"""A local SMTP server for tests: records every message it is handed."""

from __future__ import annotations

import socket
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Delivered:
    """One message as the server received it."""

    sender: str
    recipients: list[str]
    message: Message
    login: str | None


@dataclass
class Mailbox:
    """What a test SMTP server received, and the URL to reach it."""

    url: str
    messages: list[Delivered] = field(default_factory=list)


class Recorder:
    """The aiosmtpd handler that stores messages in a mailbox."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        login = session.auth_data.login.decode() if session.auth_data else None
        self.mailbox.messages.append(
            Delivered(
                sender=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                message=message_from_bytes(envelope.content),
                login=login,
            )
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(
    username: str = "mailer", password: str = "s3cret"
) -> Iterator[Mailbox]:
    """Run an SMTP server that requires this login; yield its mailbox."""

    def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (username, password)
        return AuthResult(success=ok, auth_data=auth_data if ok else None)

    port = free_port()
    mailbox = Mailbox(url=f"smtp://{username}:{password}@127.0.0.1:{port}")
    controller = Controller(
        Recorder(mailbox),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    with warnings.catch_warnings():
        # A loopback test server: AUTH without TLS is what the tests want.
        warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
        controller.start()
        try:
            yield mailbox
        finally:
            controller.stop()
