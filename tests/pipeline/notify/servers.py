"""Local stand-ins for the outside world: an SMTP server (aiosmtpd) and an SMS provider (FastAPI on
uvicorn), both real servers on free ports, both keeping what they received and able to fail on purpose."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.pipeline.sources.sim_server import serving


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SmtpInbox:
    """What the SMTP server accepted; `refuse` holds SMTP replies to give (one per message) before accepting."""

    received: list[tuple[list[str], Message]] = field(default_factory=list)
    refuse: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001 - aiosmtpd's handler hook
        if self.refuse:
            return self.refuse.pop(0)
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.original_content)))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[SmtpInbox, int]]:
    inbox = SmtpInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@dataclass
class SmsProviderLog:
    received: list[dict] = field(default_factory=list)
    fail_with: list[int] = field(default_factory=list)  # HTTP statuses to answer before accepting


@contextmanager
def sms_provider(api_key: str = "sms-key") -> Iterator[tuple[SmsProviderLog, str]]:
    log = SmsProviderLog()
    app = FastAPI()

    @app.post("/messages")
    async def messages(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {api_key}":
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if log.fail_with:
            status = log.fail_with.pop(0)
            return JSONResponse({"error": f"failing with {status} on purpose"}, status_code=status)
        body = await request.json()
        log.received.append(body)
        return JSONResponse({"id": f"sms-{len(log.received)}", "status": "queued"}, status_code=202)

    with serving(app) as base_url:
        yield log, base_url
