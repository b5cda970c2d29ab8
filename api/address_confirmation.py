"""The customer's "confirm your address" link (pipeline/exceptions/handlers.py CONFIRM_ADDRESS_PATH).

`GET` shows a small page: the order, the delivery address as far as Waypoint knows it, masked (the postal
code's first digits and the country), and a Confirm button. `POST` (the button) calls
`pipeline.actions.confirm_address` in one transaction: the hold is released and the exception resolved,
written to the audit log as the automation's doing. Confirming again says it is already confirmed. A
token we did not sign is 404, an expired one 410, both with a page that says what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine, text
from starlette.concurrency import run_in_threadpool

from api.rate_limit import rate_limited
from pipeline.actions import ActionError, confirm_address
from pipeline.exceptions import address_tokens
from pipeline.exceptions.handlers import CONFIRM_ADDRESS_PATH
from pipeline.exceptions.store import get_exception
from pipeline.settings import Settings

INVALID = "This link is not valid. Please use the link from our most recent message, or contact us."
EXPIRED = "This link has expired. Please contact us and we will check your address with you."
_DESTINATION = text(
    "SELECT destination_postal_code, destination_country FROM customer_order WHERE order_id = :order_id"
)
_HTML = {"description": "A page for the customer", "content": {"text/html": {}}}

router = APIRouter(tags=["address confirmation"], dependencies=[Depends(rate_limited)])
TokenPath = Annotated[str, Path(max_length=1024, description="The signed token from the customer's message")]


@router.get(
    CONFIRM_ADDRESS_PATH,
    response_class=HTMLResponse,
    summary="The confirm-your-address page",
    responses={404: _HTML, 410: _HTML},
)
async def confirmation_page(request: Request, token: TokenPath) -> HTMLResponse:
    status, body = await run_in_threadpool(_page, request.app.state.engine, request.app.state.settings, token)
    return HTMLResponse(body, status_code=status)


@router.post(
    CONFIRM_ADDRESS_PATH,
    response_class=HTMLResponse,
    summary="Confirm the delivery address (the page's button)",
    responses={404: _HTML, 409: _HTML, 410: _HTML},
)
async def confirm(request: Request, token: TokenPath) -> HTMLResponse:
    status, body = await run_in_threadpool(
        _confirm, request.app.state.engine, request.app.state.settings, token
    )
    return HTMLResponse(body, status_code=status)


def _page(engine: Engine, settings: Settings, token: str) -> tuple[int, str]:
    now = datetime.now(UTC)
    try:
        parsed = address_tokens.verify(token, address_tokens.token_secret(settings), now)
    except address_tokens.ExpiredTokenError:
        return 410, _document("Link expired", EXPIRED)
    except address_tokens.InvalidTokenError:
        return 404, _document("Link not valid", INVALID)
    with engine.connect() as conn:
        exception = get_exception(conn, parsed.exception_id)
        if exception is None or exception["order_id"] != parsed.order_id:
            return 404, _document("Link not valid", INVALID)
        destination = conn.execute(_DESTINATION, {"order_id": parsed.order_id}).first()
    order = escape(parsed.order_id)
    if exception["state"] == "resolved":
        done = "address_confirmed_at" in (exception["detail"] or {})
        said = (
            "Your address is already confirmed. Thank you!" if done else "We no longer need you to confirm."
        )
        return 200, _document(f"Order {order}", said)
    where = masked_destination(destination._mapping if destination else None)
    form = (
        f"<p>Please confirm that we should deliver order <strong>{order}</strong> to the address you gave us"
        f" ({escape(where)}).</p>"
        f'<form method="post"><button type="submit">Confirm my address</button></form>'
        "<p>If the address is wrong, please contact us instead of confirming.</p>"
    )
    return 200, _document(f"Confirm the delivery address of order {order}", form, raw=True)


def _confirm(engine: Engine, settings: Settings, token: str) -> tuple[int, str]:
    try:
        with engine.begin() as conn:
            result = confirm_address(conn, token, settings=settings)
    except address_tokens.ExpiredTokenError:
        return 410, _document("Link expired", EXPIRED)
    except address_tokens.InvalidTokenError:
        return 404, _document("Link not valid", INVALID)
    except ActionError as error:
        return 409, _document("We could not confirm", f"{error.message}. Please contact us.")
    if result.changed:
        return 200, _document("Thank you", "Your address is confirmed. We will send your order on its way.")
    if "already confirmed" in result.message:
        return 200, _document("Thank you", "Your address is already confirmed. Thank you!")
    return 200, _document("Nothing to confirm", "We no longer need you to confirm.")


def masked_destination(destination: Mapping[str, Any] | None) -> str:
    """'postal code 606**, US': enough for the customer to recognise, too little to locate anyone."""
    if not destination or not destination["destination_postal_code"]:
        return "the address on your order"
    code = destination["destination_postal_code"]
    shown = code[:3] + "*" * max(0, len(code) - 3)
    country = destination["destination_country"]
    return f"postal code {shown}" + (f", {country}" if country else "")


def _document(title: str, message: str, *, raw: bool = False) -> str:
    content = message if raw else f"<p>{escape(message)}</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
        "button{font-size:1.1rem;padding:.6rem 1.2rem}</style>"
        f"</head><body><h1>{title}</h1>{content}</body></html>"
    )
