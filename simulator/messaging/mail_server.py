"""The simulated customers' mail server: an SMTP server (aiosmtpd) on localhost that accepts every
message and keeps it in `messaging.email_message`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default as default_policy

from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from simulator.messaging.store import accept_email


class CustomerMailboxes:
    """aiosmtpd handler: store each accepted message (the insert runs off the server's event loop)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001 - aiosmtpd's handler hook
        raw = envelope.original_content or envelope.content
        message = message_from_bytes(raw, policy=default_policy)
        await asyncio.get_running_loop().run_in_executor(
            None, self._keep, envelope.mail_from, list(envelope.rcpt_tos), message["subject"], raw
        )
        return "250 Message accepted for delivery"

    def _keep(self, mail_from: str, rcpt_to: list[str], subject: str | None, raw: bytes) -> None:
        with self.engine.begin() as conn:
            accept_email(conn, mail_from, rcpt_to, subject, raw.decode("utf-8", "replace"), datetime.now(UTC))


class MailServerUnavailable(RuntimeError):
    """The mail server's port cannot be bound."""


def start_mail_server(engine: Engine, port: int) -> Controller:
    """Serve SMTP on 127.0.0.1:`port` until `.stop()`."""
    controller = Controller(CustomerMailboxes(engine), hostname="127.0.0.1", port=port)
    try:
        controller.start()
    except OSError as error:
        raise MailServerUnavailable(
            f"sim_smtp_port: cannot serve SMTP on 127.0.0.1:{port} ({error.strerror or error}); "
            "set WAYPOINT_SIM_SMTP_PORT to a free port"
        ) from error
    return controller
