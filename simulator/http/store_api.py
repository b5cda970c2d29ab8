"""The store allocation tool's API: an event feed paged by cursor, events per order, store inventory.

Event times are the store's wall-clock time without an offset, exactly as the tool stores them.
When a token is configured (settings.sim_store_api_token) every call needs `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy import Connection, text

from simulator.http.connection import sim_connection

MAX_PAGE = 500


def require_token(request: Request) -> None:
    expected = request.app.state.store_api_token
    if expected is None:
        return
    given = request.headers.get("authorization", "")
    scheme, _, token = given.partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(
            401, detail="missing or invalid bearer token", headers={"WWW-Authenticate": "Bearer"}
        )


router = APIRouter(
    prefix="/store-api/v1", tags=["store allocation tool"], dependencies=[Depends(require_token)]
)
Db = Annotated[Connection, Depends(sim_connection)]

EVENTS_AFTER = text(
    "SELECT cursor, event_id, store_id, order_ref, event_name, event_time, associate_id, payload "
    "FROM store_tool.event WHERE cursor > :cursor ORDER BY cursor LIMIT :limit"
)
ORDER_EVENTS = text(
    "SELECT cursor, event_id, store_id, order_ref, event_name, event_time, associate_id, payload "
    "FROM store_tool.event WHERE order_ref = :order_ref ORDER BY cursor"
)
STORE_INVENTORY = text(
    "SELECT sku, on_hand FROM store_tool.inventory WHERE store_id = :store_id ORDER BY sku"
)


def _event(row: Any) -> dict:
    return {
        "cursor": row.cursor,
        "id": row.event_id,
        "type": row.event_name,
        "store_id": row.store_id,
        "order_ref": row.order_ref,
        "occurred_at": row.event_time.strftime("%Y-%m-%dT%H:%M:%S"),
        "associate_id": row.associate_id,
        "data": row.payload,
    }


@router.get("/events")
def events(
    db: Db,
    cursor: Annotated[int, Query(ge=0, description="Return events after this cursor")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> dict:
    rows = db.execute(EVENTS_AFTER, {"cursor": cursor, "limit": limit + 1}).all()
    page = rows[:limit]
    return {
        "events": [_event(row) for row in page],
        "next_cursor": page[-1].cursor if page else cursor,
        "has_more": len(rows) > limit,
    }


@router.get("/orders/{order_ref}/events")
def order_events(order_ref: str, db: Db) -> dict:
    rows = db.execute(ORDER_EVENTS, {"order_ref": order_ref}).all()
    if not rows:
        raise HTTPException(404, detail=f"no events for order {order_ref}")
    return {"order_ref": order_ref, "events": [_event(row) for row in rows]}


@router.get("/inventory")
def inventory(db: Db, store_id: Annotated[str, Query(pattern=r"^ST-\d{3}$")]) -> dict:
    rows = db.execute(STORE_INVENTORY, {"store_id": store_id}).all()
    if not rows:
        raise HTTPException(404, detail=f"unknown store {store_id}")
    return {"store_id": store_id, "items": [{"sku": row.sku, "on_hand": row.on_hand} for row in rows]}
