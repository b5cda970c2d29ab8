"""The customer tracking API: `GET /v1/tracking/{order_id}?email=…|postal_code=…` and `GET /v1/tracking/t/{token}`.

An unknown order and a wrong email or postal code get the same 404, byte for byte: the answer tells no
one whether an order exists. Answers carry an ETag (a digest of the body); a client that sends it back
in If-None-Match gets 304 without a body. Every route here is rate limited per client (api/rate_limit.py).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from api import tracking_tokens
from api.rate_limit import rate_limited
from api.tracking_models import Problem, Tracking
from api.tracking_queries import customer_matches, read_order
from api.tracking_view import customer_tracking
from pipeline.exceptions.address_tokens import token_secret

NOT_FOUND = "No order matches that order number and email address or postal code."
TOKEN_NOT_FOUND = "This tracking link is not valid. Look up your order with its number and email address."
TOKEN_EXPIRED = "This tracking link has expired. Look up your order with its number and email address."
ORDER_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
EMAIL = r"^\s*[^@\s\x00]{1,64}@[^@\s\x00]{1,190}\s*$"
POSTAL_CODE = r"^ *[A-Za-z0-9][A-Za-z0-9 -]{1,11} *$"
CACHE_CONTROL = "private, no-cache"

router = APIRouter(prefix="/v1/tracking", tags=["tracking"], dependencies=[Depends(rate_limited)])
_ERRORS = {
    304: {"description": "Not modified: the ETag sent in If-None-Match is still current"},
    429: {"model": Problem, "description": "Too many requests; see Retry-After"},
}


@router.get(
    "/t/{token}",
    response_model=Tracking,
    summary="Track an order with a tracking link",
    responses={**_ERRORS, 404: {"model": Problem}, 410: {"model": Problem, "description": "Link expired"}},
)
async def track_by_token(
    request: Request, token: Annotated[str, Path(max_length=512, description="The signed tracking token")]
) -> Response:
    secret = token_secret(request.app.state.settings)
    try:
        parsed = tracking_tokens.verify(token, secret, datetime.now(UTC))
    except tracking_tokens.ExpiredTokenError:
        raise HTTPException(410, TOKEN_EXPIRED) from None
    except tracking_tokens.InvalidTokenError:
        raise HTTPException(404, TOKEN_NOT_FOUND) from None
    tracking = await run_in_threadpool(
        _tracking, request.app.state.engine, parsed.order_id, None, None, False
    )
    if tracking is None:
        raise HTTPException(404, TOKEN_NOT_FOUND)
    return _answer(request, tracking)


@router.get(
    "/{order_id}",
    response_model=Tracking,
    summary="Track an order with its number and the customer's email or postal code",
    responses={
        **_ERRORS,
        404: {"model": Problem, "description": "No such order, or the answer does not match"},
    },
)
async def track_order(
    request: Request,
    order_id: Annotated[str, Path(pattern=ORDER_ID, description="The order number, e.g. SO-41000001")],
    email: Annotated[
        str | None, Query(max_length=255, pattern=EMAIL, description="The email the order was placed with")
    ] = None,
    postal_code: Annotated[
        str | None, Query(pattern=POSTAL_CODE, description="The delivery postal code")
    ] = None,
) -> Response:
    if email is None and postal_code is None:
        raise HTTPException(422, "email or postal_code: give one of them to see the order (rule: required)")
    tracking = await run_in_threadpool(
        _tracking, request.app.state.engine, order_id, email, postal_code, True
    )
    if tracking is None:
        raise HTTPException(404, NOT_FOUND)
    return _answer(request, tracking)


def _tracking(
    engine: Engine, order_id: str, email: str | None, postal_code: str | None, check: bool
) -> Tracking | None:
    with engine.connect() as conn:
        if check and not customer_matches(conn, order_id, email=email, postal_code=postal_code):
            return None
        record = read_order(conn, order_id)
    if record is None:
        return None
    return customer_tracking(record.timeline, record.etas, record.open_exceptions, record.notifications)


def _answer(request: Request, tracking: Tracking) -> Response:
    body = tracking.model_dump_json().encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match as RFC 9110 reads it: `*`, or a list of tags compared weakly."""
    if not if_none_match:
        return False
    offered = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in offered or etag in offered
