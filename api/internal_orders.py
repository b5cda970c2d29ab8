"""`GET /v1/internal/orders/{order_id}`: the support view of an order, for tools beside the dashboard.

HTTP Basic against the dashboard's own accounts (argon2id, dashboard/auth.py: every attempt is audited,
an unknown user costs the same as a wrong password) and the roles that may open the Order timeline page
(dashboard/pages.json): 401 without valid credentials, 403 for a role that may not. What it shows is the
order timeline page's: internal texts, sources, exceptions and messages; customer contact details as the
masking policy lets the role see them (dashboard/masking.json), as on the page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from api.tracking import ORDER_ID
from api.tracking_models import Problem, Tracking
from api.tracking_queries import read_order
from api.tracking_view import customer_tracking
from dashboard.auth import SignedInUser, authenticate
from dashboard.masking import contact_for, payload_for
from dashboard.roles import page

PAGE = "order_timeline"
MAX_CREDENTIAL = 200

router = APIRouter(prefix="/v1/internal", tags=["support (internal)"])
_basic = HTTPBasic(auto_error=False, realm="Waypoint support")


class Customer(BaseModel):
    email: str | None
    phone: str | None
    postal_code: str | None
    country: str | None
    time_zone: str | None


class InternalEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    occurred_at: datetime
    time_zone: str | None = Field(description="IANA zone where it happened; null: no place in the event")
    event_type: str
    source: str
    internal_text: str
    customer_text: str
    facility_id: str | None
    shipment_id: str | None
    tracking_number: str | None
    attributes: dict[str, Any] = Field(description="As the role may see them (personal values masked)")
    flags: list[str]


class InternalOrder(BaseModel):
    order_id: str
    viewed_by: str
    role: str
    state: dict[str, Any] = Field(description="The order_state projection row")
    customer: Customer | None
    shipments: list[dict[str, Any]]
    events: list[InternalEvent]
    exceptions: list[dict[str, Any]] = Field(description="Unresolved exceptions, newest first")
    notifications: list[dict[str, Any]] = Field(description="Messages to the customer, oldest first")
    etas: list[dict[str, Any]] = Field(description="shipment_eta rows")
    customer_view: Tracking = Field(description="What the customer sees on the tracking page")


@router.get(
    "/orders/{order_id}",
    response_model=InternalOrder,
    summary="An order as support sees it (HTTP Basic; Order timeline roles)",
    responses={401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem}},
)
async def internal_order(
    request: Request,
    order_id: Annotated[str, Path(pattern=ORDER_ID)],
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> InternalOrder:
    engine = request.app.state.engine
    user = await run_in_threadpool(_signed_in, engine, credentials)
    if user is None:
        raise HTTPException(
            401, "Sign in with a Waypoint account (HTTP Basic).", headers={"WWW-Authenticate": "Basic"}
        )
    roles = page(PAGE).roles
    if user.role not in roles:
        raise HTTPException(
            403, f"The {user.role} role may not view orders; allowed: {', '.join(sorted(roles))}."
        )
    found = await run_in_threadpool(_internal_order, engine, order_id, user)
    if found is None:
        raise HTTPException(404, f"No order {order_id}.")
    return found


def _signed_in(engine: Engine, credentials: HTTPBasicCredentials | None) -> SignedInUser | None:
    if credentials is None:
        return None
    username, password = credentials.username, credentials.password
    if not username or "\x00" in username or len(username) > MAX_CREDENTIAL or len(password) > MAX_CREDENTIAL:
        return None
    with engine.begin() as conn:  # the sign-in and its audit row
        return authenticate(conn, username, password)


def _internal_order(engine: Engine, order_id: str, user: SignedInUser) -> InternalOrder | None:
    with engine.connect() as conn:
        record = read_order(conn, order_id)
    if record is None:
        return None
    timeline = record.timeline
    order = timeline.order
    customer = None
    if order is not None:
        email, phone = contact_for(user.role, order["customer_email"], order["customer_phone"])
        customer = Customer(
            email=email,
            phone=phone,
            postal_code=order["destination_postal_code"],
            country=order["destination_country"],
            time_zone=order["destination_time_zone"],
        )
    events = [
        InternalEvent(
            occurred_at=event.occurred_at,
            time_zone=event.time_zone,
            event_type=event.event_type,
            source=event.source,
            internal_text=event.internal_text,
            customer_text=event.customer_text,
            facility_id=event.facility_id,
            shipment_id=event.shipment_id,
            tracking_number=event.tracking_number,
            attributes=payload_for(user.role, dict(event.attributes)),
            flags=list(event.flags),
        )
        for event in timeline.events
    ]
    notifications = [{k: v for k, v in row.items() if k != "body"} | {"body": payload_for(user.role, row["body"])}
                     for row in record.notifications]  # fmt: skip
    return InternalOrder(
        order_id=order_id,
        viewed_by=user.username,
        role=user.role,
        state=dict(timeline.state),
        customer=customer,
        shipments=[_plain(block.__dict__) for block in timeline.shipments],
        events=events,
        exceptions=[payload_for(user.role, row) for row in record.open_exceptions],
        notifications=notifications,
        etas=record.etas,
        customer_view=customer_tracking(timeline, record.etas, record.open_exceptions, record.notifications),
    )


def _plain(block: dict[str, Any]) -> dict[str, Any]:
    """A parcel without its nested dataclasses (the last scan and carrier estimate are in `events`)."""
    return {key: value for key, value in block.items() if key not in ("last_scan", "estimate")}
