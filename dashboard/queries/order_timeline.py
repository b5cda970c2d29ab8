"""Data of the Order timeline page: one order's story, an event's raw payload, and order search.

The order's exceptions and customer messages are read with the exception service's own functions
(pipeline.exceptions.store, pipeline.notify.outbox), so the page and the queue agree on what is open.

`load_order_timeline` and `load_raw_payload` are plain functions of an engine (the page-load benchmark
calls them without Streamlit); the page calls the cached wrappers below, keyed by the database URL so
that two databases never share an entry. An order is a few dozen rows read through its indexes
(order_state and customer_order by key, shipment by ix_shipment_order_id, event by
ix_event_order_occurred bounded below by first_event_at), fetched with psycopg: the reads bind their
parameters (connectorx cannot) and are too small for an Arrow reader to pay for its setup.

A raw payload is read only when someone opens it: pages of hundreds of records are not fetched for
events nobody looks at. Inbox rows never change, so they are cached longer than the live order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import streamlit as st
from sqlalchemy import Engine, text

from dashboard.database import engine_for, main_database_url
from dashboard.order_search import OrderHit, search_orders
from dashboard.order_story import OrderTimeline, timeline_of
from pipeline.exceptions.store import order_exceptions
from pipeline.notify.outbox import order_notifications
from pipeline.order_view import order_view

ORDER_TTL = timedelta(seconds=10)
RAW_PAYLOAD_TTL = timedelta(minutes=15)

_RAW_PAYLOAD = """
SELECT raw_id, source, received_at, content_type, payload FROM raw_inbox WHERE raw_id = :raw_id
"""


@dataclass(frozen=True)
class RawPayload:
    raw_id: int
    source: str
    received_at: datetime
    content_type: str
    payload: bytes


def load_order_timeline(engine: Engine, order_id: str) -> OrderTimeline | None:
    """The order's state, shipments, events, unresolved exceptions and customer messages; None when
    Waypoint has no event of it."""
    with engine.connect() as conn:
        view = order_view(conn, order_id)
        if view is None:
            return None
        exceptions = order_exceptions(conn, order_id, unresolved_only=True)
        notifications = order_notifications(conn, order_id)
    return timeline_of(view, exceptions, notifications)


def load_raw_payload(engine: Engine, raw_id: int) -> RawPayload | None:
    with engine.connect() as conn:
        row = conn.execute(text(_RAW_PAYLOAD), {"raw_id": raw_id}).mappings().first()
    return RawPayload(**{**row, "payload": bytes(row["payload"])}) if row else None


def order_timeline(order_id: str) -> OrderTimeline | None:
    return _order_timeline(main_database_url(), order_id)


def raw_payload(raw_id: int) -> RawPayload | None:
    return _raw_payload(main_database_url(), raw_id)


def order_hits(query: str) -> list[OrderHit]:
    return _order_hits(main_database_url(), query)


def forget_cached_order() -> None:
    """After an action on one of an order's exceptions: the next read shows its new state and events."""
    _order_timeline.clear()


@st.cache_data(ttl=ORDER_TTL, max_entries=256, show_spinner=False)
def _order_timeline(url: str, order_id: str) -> OrderTimeline | None:
    return load_order_timeline(engine_for(url), order_id)


@st.cache_data(ttl=RAW_PAYLOAD_TTL, max_entries=64, show_spinner=False)
def _raw_payload(url: str, raw_id: int) -> RawPayload | None:
    return load_raw_payload(engine_for(url), raw_id)


@st.cache_data(ttl=ORDER_TTL, max_entries=256, show_spinner=False)
def _order_hits(url: str, query: str) -> list[OrderHit]:
    return search_orders(engine_for(url), query)
