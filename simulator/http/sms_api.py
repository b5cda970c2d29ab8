"""The simulated SMS provider's send API: `POST /sms/messages` with a bearer key and
`{"to", "body", "reference"}`, answered `202 {"id", "status": "queued"}` — the shape Waypoint's
pipeline.notify.sms_provider speaks. What becomes of the message is reported later
(simulator.messaging.receipts)."""

from __future__ import annotations

import hmac
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from simulator.messaging.store import accept_sms

router = APIRouter(prefix="/sms", tags=["sms provider"])
_PUNCTUATION = str.maketrans("", "", " -.()")


def _e164(number: object) -> object:
    return number.translate(_PUNCTUATION) if isinstance(number, str) else number


class OutgoingSms(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Annotated[str, BeforeValidator(_e164)] = Field(
        pattern=r"^\+[1-9]\d{6,14}$",
        description="E.164 number; spaces, dashes, dots and brackets are ignored",
    )
    body: str = Field(min_length=1, max_length=1600)
    reference: str | None = Field(default=None, max_length=200)


@router.post("/messages", status_code=202)
def send_message(message: OutgoingSms, request: Request) -> JSONResponse:
    expected = request.app.state.sms_api_key
    given = request.headers.get("authorization", "")
    if expected and not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        return JSONResponse({"error": "unauthorized"}, status_code=401)
    message_id = f"SM{uuid.uuid4().hex}"
    with request.app.state.sim_engine.begin() as conn:
        accept_sms(conn, message_id, message.to, message.body, message.reference, datetime.now(UTC))
    return JSONResponse({"id": message_id, "status": "queued"}, status_code=202)
