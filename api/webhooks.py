"""Carrier webhooks: `POST /webhooks/{carrier_id}` lands the raw body in the inbox and answers 202 at once.

Nothing is parsed in the request path: read the bytes, authenticate them (api/signatures.py), land them
(pipeline.inbox.land) with the headers worth keeping, `NOTIFY raw_inbox` so a waiting drain wakes, commit,
answer with the correlation id. The drain normalizes later; a carrier retries any non-2xx answer, so a
failure to land is a 503, never a silent 2xx. A body that fails authentication is not landed; the
refusal is logged with its correlation id. The secret-bearing header (UPS's credential) is never stored.
"""

from __future__ import annotations

import re
import uuid

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from api.signatures import verify
from pipeline.inbox import Arrival, land, wake_drain

log = structlog.get_logger(__name__)
router = APIRouter(tags=["carrier webhooks"])

MAX_BODY_BYTES = 1_048_576
CORRELATION_HEADER = "x-correlation-id"
KEPT_HEADERS = ("content-type", "user-agent", "content-length")
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


@router.post("/webhooks/{carrier_id}", status_code=202)
async def receive_webhook(carrier_id: str, request: Request) -> JSONResponse:
    correlation_id = _correlation_id(request.headers.get(CORRELATION_HEADER))
    reply_headers = {"X-Correlation-ID": correlation_id}
    feed_format = request.app.state.carrier_formats.get(carrier_id)
    if feed_format is None:
        return JSONResponse(
            {"detail": f"unknown carrier {carrier_id!r}", "correlation_id": correlation_id},
            404,
            reply_headers,
        )
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        log.warning("webhook.too_large", carrier=carrier_id, correlation_id=correlation_id, bytes=len(body))
        return JSONResponse(
            {"detail": "body too large", "correlation_id": correlation_id}, 413, reply_headers
        )
    headers = {name.lower(): value for name, value in request.headers.items()}
    verdict = verify(feed_format, headers, body, request.app.state.webhook_secret)
    if not verdict.accepted:
        log.warning(
            "webhook.refused",
            carrier=carrier_id,
            correlation_id=correlation_id,
            reason=verdict.outcome,
            bytes=len(body),
            user_agent=headers.get("user-agent"),
        )
        return JSONResponse(
            {"detail": f"signature {verdict.outcome}", "correlation_id": correlation_id}, 401, reply_headers
        )
    kept = {name: headers[name] for name in KEPT_HEADERS if name in headers}
    kept["signature"] = verdict.outcome
    arrival = Arrival(
        source=f"carrier:{carrier_id}",
        payload=body,
        headers=kept,
        content_type=headers.get("content-type", "application/json"),
        correlation_id=correlation_id,
    )
    try:
        await run_in_threadpool(land_and_notify, request.app.state.engine, arrival)
    except OperationalError:
        log.exception("webhook.not_landed", carrier=carrier_id, correlation_id=correlation_id)
        return JSONResponse(
            {"detail": "inbox unavailable, retry later", "correlation_id": correlation_id}, 503, reply_headers
        )
    return JSONResponse({"status": "accepted", "correlation_id": correlation_id}, 202, reply_headers)


def land_and_notify(engine: Engine, arrival: Arrival) -> int:
    """Land one payload and wake the drain, in one transaction (the NOTIFY is delivered at commit)."""
    with engine.begin() as conn:
        raw_id = land(conn, arrival)
        wake_drain(conn, arrival.source)
    return raw_id


def _correlation_id(offered: str | None) -> str:
    """The sender's correlation id when it is a sane token, else a new one."""
    if offered and _CORRELATION_ID.match(offered):
        return offered
    return str(uuid.uuid4())
