"""Delivery receipts from the SMS provider: `POST /webhooks/notifications/sms`.

The provider reports later what became of a text message it accepted (delivered, undelivered, failed …).
The body is authenticated like a carrier webhook (HMAC-SHA256 of the raw body, scheme `sms_provider` in
webhook_signatures.json, secret settings.sms_webhook_secret), validated, and recorded on the outbox row
(pipeline.notify.outbox.record_delivery_status): the order timeline shows it, and the playbooks escalate
an exception whose message did not reach the customer. An older receipt never overwrites a newer one; a
receipt for a message Waypoint does not know is acknowledged (the provider would otherwise retry it
forever) and logged.
"""

from __future__ import annotations

from typing import Literal

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from api.signatures import verify
from pipeline.notify.outbox import record_delivery_status

log = structlog.get_logger(__name__)
router = APIRouter(tags=["notification receipts"])

MAX_BODY_BYTES = 65_536


class SmsReceipt(BaseModel):
    """What the provider says about one message it accepted."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(
        min_length=1, max_length=200, description="The provider's message id, as it answered the send"
    )
    status: Literal["queued", "sent", "delivered", "undelivered", "failed", "rejected"]
    at: AwareDatetime = Field(description="When the status took effect, with its offset")


@router.post("/webhooks/notifications/sms", status_code=202)
async def receive_sms_receipt(request: Request) -> JSONResponse:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return JSONResponse({"detail": "body too large"}, 413)
    headers = {name.lower(): value for name, value in request.headers.items()}
    secret = request.app.state.settings.sms_webhook_secret
    verdict = verify("sms_provider", headers, body, secret.get_secret_value() if secret else None)
    if not verdict.accepted:
        log.warning("sms_receipt.refused", reason=verdict.outcome, bytes=len(body))
        return JSONResponse({"detail": f"signature {verdict.outcome}"}, 401)
    try:
        receipt = SmsReceipt.model_validate_json(body)
    except ValidationError as error:
        problems = [
            {
                "field": ".".join(str(part) for part in item["loc"]) or "body",
                "rule": item["type"],
                "message": item["msg"],
            }
            for item in error.errors(include_url=False)
        ]
        return JSONResponse({"detail": "invalid receipt", "problems": problems}, 422)
    recorded = await run_in_threadpool(_record, request.app.state.engine, receipt)
    if not recorded:
        log.info("sms_receipt.not_applied", provider_message_id=receipt.id, status=receipt.status)
    return JSONResponse({"recorded": recorded}, 202)


def _record(engine: Engine, receipt: SmsReceipt) -> bool:
    with engine.begin() as conn:
        return record_delivery_status(
            conn, channel="sms", provider_message_id=receipt.id, status=receipt.status, at=receipt.at
        )
