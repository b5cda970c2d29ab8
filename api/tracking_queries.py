"""Reads of the tracking API: who may see an order, and everything its tracking page shows.

An order is a few dozen rows read through their indexes (order_state, customer_order by key; shipment,
shipment_eta, order_exception and notification by their order_id indexes; event by
ix_event_order_occurred bounded below by first_event_at), on one connection.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from dashboard.order_story import OrderTimeline, timeline_of
from pipeline.exceptions.store import order_exceptions
from pipeline.notify.outbox import order_notifications
from pipeline.order_view import order_view

_CONTACT = text(
    "SELECT customer_email, destination_postal_code FROM customer_order WHERE order_id = :order_id"
)
_ETAS = text(
    "SELECT shipment_id, source, likely_at, window_start, window_end, promised_delivery_by, basis, computed_at"
    " FROM shipment_eta WHERE order_id = :order_id"
)
_NOT_POSTAL = re.compile(r"[\s-]")
# Compared when the order is unknown, so that an unknown order and a wrong answer cost the same.
_NOBODY = "\x00"


@dataclass(frozen=True)
class OrderRecord:
    """Everything about one order the tracking routes need, read in one go."""

    timeline: OrderTimeline
    etas: list[dict[str, Any]]
    open_exceptions: list[dict[str, Any]]
    notifications: list[dict[str, Any]]


def customer_matches(conn: Connection, order_id: str, *, email: str | None, postal_code: str | None) -> bool:
    """True when every answer given matches the order (at least one must be given). Compared in constant
    time on digests, with the same work whether the order exists or not."""
    row = conn.execute(_CONTACT, {"order_id": order_id}).first()
    stored_email = (row.customer_email if row else None) or _NOBODY
    stored_postal = (row.destination_postal_code if row else None) or _NOBODY
    matches = row is not None
    if email is not None:
        matches &= _same(normalized_email(email), normalized_email(stored_email))
    if postal_code is not None:
        given, stored = normalized_postal_code(postal_code), normalized_postal_code(stored_postal)
        if len(stored) == 5 and len(given) == 9 and given.isdigit():  # ZIP+4 against a 5-digit ZIP
            given = given[:5]
        matches &= _same(given, stored)
    return matches and (email is not None or postal_code is not None)


def read_order(conn: Connection, order_id: str) -> OrderRecord | None:
    view = order_view(conn, order_id)
    if view is None:
        return None
    etas = [dict(row) for row in conn.execute(_ETAS, {"order_id": order_id}).mappings()]
    exceptions = order_exceptions(conn, order_id, unresolved_only=True)
    notifications = order_notifications(conn, order_id)
    return OrderRecord(timeline_of(view, exceptions, notifications), etas, exceptions, notifications)


def normalized_email(value: str) -> str:
    return value.strip().lower()


def normalized_postal_code(value: str) -> str:
    return _NOT_POSTAL.sub("", value).upper()


def _same(given: str, stored: str) -> bool:
    return hmac.compare_digest(_digest(given), _digest(stored))


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()
