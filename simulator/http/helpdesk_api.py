"""The helpdesk's Zendesk-style incremental exports: tickets, ticket events and satisfaction ratings.

Each export takes `start_time` (Unix seconds) and returns items changed at or after it, oldest first,
with `end_time` (the last item's time, the next call's start_time), `end_of_stream` (fewer items than
a full page) and `next_page`. As with Zendesk, an item can appear again on the next page; readers
deduplicate by id. Tickets are shown in their latest state, assembled from the revision history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import Connection, text

from simulator.http.connection import from_unix, sim_connection, unix_seconds, utc_text
from simulator.sources.helpdesk import ORDER_FIELD_ID, RMA_FIELD_ID

router = APIRouter(prefix="/helpdesk/api/v2", tags=["helpdesk"])
Db = Annotated[Connection, Depends(sim_connection)]
StartTime = Annotated[int, Query(ge=0, description="Unix seconds")]
PerPage = Annotated[int, Query(ge=1, le=1000)]
BASE_URL = "https://helpdesk.example.com/api/v2"

TICKETS = text(
    """
    WITH touched AS (
        SELECT DISTINCT ticket_id FROM helpdesk.ticket_revision WHERE updated_at >= :start
    ), latest AS (
        SELECT r.ticket_id,
               min(r.created_at) AS created_at,
               max(r.updated_at) AS updated_at,
               (array_agg(r.status ORDER BY r.updated_at DESC, r.revision_id DESC))[1] AS status,
               (array_agg(r.subject ORDER BY r.updated_at) FILTER (WHERE r.subject IS NOT NULL))[1] AS subject,
               (array_agg(r.description ORDER BY r.updated_at) FILTER (WHERE r.description IS NOT NULL))[1]
                   AS description,
               (array_agg(r.type ORDER BY r.updated_at) FILTER (WHERE r.type IS NOT NULL))[1] AS type,
               (array_agg(r.priority ORDER BY r.updated_at) FILTER (WHERE r.priority IS NOT NULL))[1] AS priority,
               (array_agg(r.via_channel ORDER BY r.updated_at) FILTER (WHERE r.via_channel IS NOT NULL))[1]
                   AS via_channel,
               (array_agg(r.requester_id ORDER BY r.updated_at))[1] AS requester_id,
               (array_agg(r.order_ref ORDER BY r.updated_at))[1] AS order_ref,
               (array_agg(r.rma_ref ORDER BY r.updated_at))[1] AS rma_ref,
               jsonb_agg(r.tags ORDER BY r.updated_at) AS tag_lists
        FROM helpdesk.ticket_revision r JOIN touched USING (ticket_id)
        GROUP BY r.ticket_id
    )
    SELECT * FROM latest WHERE updated_at >= :start ORDER BY updated_at, ticket_id LIMIT :limit
    """
)
TICKET_EVENTS = text(
    "SELECT id, ticket_id, created_at, updater_id, via, child_events FROM helpdesk.ticket_event "
    "WHERE created_at >= :start ORDER BY created_at, id LIMIT :limit"
)
RATINGS = text(
    "SELECT id, ticket_id, requester_id, order_ref, score, comment, created_at, updated_at "
    "FROM helpdesk.satisfaction_rating WHERE updated_at >= :start ORDER BY updated_at, id LIMIT :limit"
)


def _page(
    request: Request, key: str, items: list[dict], last: datetime | None, start: int, limit: int
) -> dict:
    end_time = unix_seconds(last) if last is not None else start
    next_url = str(request.url.include_query_params(start_time=end_time))
    return {key: items, "count": len(items), "end_time": end_time, "end_of_stream": len(items) < limit,
            "next_page": next_url}  # fmt: skip


def _tags(tag_lists: list[list[str]]) -> list[str]:
    return sorted({tag for tags in tag_lists for tag in tags})


def _ticket(row: Any) -> dict:
    return {
        "id": row.ticket_id,
        "url": f"{BASE_URL}/tickets/{row.ticket_id}.json",
        "external_id": None,
        "via": {"channel": row.via_channel or "web"},
        "created_at": utc_text(row.created_at or row.updated_at),
        "updated_at": utc_text(row.updated_at),
        "type": row.type,
        "subject": row.subject,
        "raw_subject": row.subject,
        "description": row.description,
        "priority": row.priority,
        "status": row.status,
        "requester_id": row.requester_id,
        "submitter_id": row.requester_id,
        "assignee_id": None,
        "organization_id": None,
        "group_id": None,
        "tags": _tags(row.tag_lists),
        "custom_fields": [
            {"id": ORDER_FIELD_ID, "value": row.order_ref},
            {"id": RMA_FIELD_ID, "value": row.rma_ref},
        ],
    }


@router.get("/incremental/tickets")
def incremental_tickets(request: Request, db: Db, start_time: StartTime, per_page: PerPage = 1000) -> dict:
    rows = db.execute(TICKETS, {"start": from_unix(start_time), "limit": per_page}).all()
    last = rows[-1].updated_at if rows else None
    return _page(request, "tickets", [_ticket(row) for row in rows], last, start_time, per_page)


@router.get("/incremental/ticket_events")
def incremental_ticket_events(
    request: Request, db: Db, start_time: StartTime, per_page: PerPage = 1000
) -> dict:
    rows = db.execute(TICKET_EVENTS, {"start": from_unix(start_time), "limit": per_page}).all()
    events = [
        {
            "id": row.id,
            "ticket_id": row.ticket_id,
            "timestamp": unix_seconds(row.created_at),
            "created_at": utc_text(row.created_at),
            "updater_id": row.updater_id,
            "via": row.via,
            "system": {},
            "merged_ticket_ids": [],
            "child_events": row.child_events,
            "event_type": "Audit",
        }
        for row in rows
    ]
    last = rows[-1].created_at if rows else None
    return _page(request, "ticket_events", events, last, start_time, per_page)


@router.get("/satisfaction_ratings")
def satisfaction_ratings(request: Request, db: Db, start_time: StartTime, per_page: PerPage = 1000) -> dict:
    rows = db.execute(RATINGS, {"start": from_unix(start_time), "limit": per_page}).all()
    ratings = [
        {
            "id": row.id,
            "url": f"{BASE_URL}/satisfaction_ratings/{row.id}.json",
            "assignee_id": None,
            "group_id": None,
            "requester_id": row.requester_id,
            "ticket_id": row.ticket_id,
            "external_id": row.order_ref,
            "score": row.score,
            "comment": row.comment,
            "reason": None,
            "created_at": utc_text(row.created_at),
            "updated_at": utc_text(row.updated_at),
        }
        for row in rows
    ]
    last = rows[-1].updated_at if rows else None
    return _page(request, "satisfaction_ratings", ratings, last, start_time, per_page)
