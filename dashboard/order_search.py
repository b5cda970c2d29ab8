"""Find orders the way customers describe them: an order id, a tracking number, an email or a phone.

A support agent types what the customer reads out, in whatever shape: "so-0001230004", "1z 999 aa1 0000
0000 01", "Ann.Lee@Example.com ", "(312) 555-0101". `parse_query` turns that into exact keys (pure, no
I/O); `find_orders` looks every key up at once through the indexes made for it — customer_order's
primary key, ix_customer_order_email on lower(customer_email), ix_customer_order_phone on the phone's
digits, ix_shipment_tracking_number — so a search costs a few index probes, never a scan.

Results are a handful of rows, fetched with psycopg through the SQLAlchemy connection: the bound
parameters need a driver that binds (connectorx does not), and an Arrow reader would cost more to set
up than these rows take to read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, text

MAX_HITS = 20
ORDER_ID_PREFIX = "SO-"
_PHONE_SHAPE = re.compile(r"^\+?[\d\s().-]+$")
_PHONE_DIGITS = range(7, 16)  # E.164 numbers have at most 15 digits; local numbers at least 7
NANP_DIGITS = 10  # a North American number without its country code 1

MATCHED_ON_LABELS = {
    "order_id": "order id",
    "tracking_number": "tracking number",
    "email": "email",
    "phone": "phone",
}

SEARCH_SQL = """
WITH hits AS (
    SELECT order_id, 1 AS rank, 'order_id' AS matched_on
    FROM order_state WHERE order_id = ANY(CAST(:order_ids AS text[]))
    UNION ALL
    SELECT order_id, 2, 'tracking_number'
    FROM shipment WHERE tracking_number = ANY(CAST(:tracking_numbers AS text[]))
    UNION ALL
    SELECT order_id, 3, 'email'
    FROM customer_order WHERE lower(customer_email) = :email
    UNION ALL
    SELECT order_id, 3, 'phone'
    FROM customer_order WHERE customer_phone_digits = ANY(CAST(:phone_digits AS text[]))
),
best AS (
    SELECT DISTINCT ON (order_id) order_id, rank, matched_on FROM hits ORDER BY order_id, rank
)
SELECT b.order_id, b.matched_on, s.stage, s.status, s.status_at, s.facility_id,
       coalesce(o.placed_at, s.received_at, s.first_event_at) AS placed_at,
       o.destination_time_zone, o.customer_email, o.customer_phone
FROM best AS b
LEFT JOIN order_state AS s USING (order_id)
LEFT JOIN customer_order AS o USING (order_id)
ORDER BY b.rank, coalesce(o.placed_at, s.received_at, s.first_event_at) DESC NULLS LAST, b.order_id
LIMIT :limit
"""


@dataclass(frozen=True)
class SearchQuery:
    """The exact keys one typed query can stand for; empty tuples when it cannot be that kind."""

    text: str
    order_ids: tuple[str, ...] = ()
    tracking_numbers: tuple[str, ...] = ()
    email: str | None = None
    phone_digits: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.order_ids or self.tracking_numbers or self.email or self.phone_digits)


@dataclass(frozen=True)
class OrderHit:
    order_id: str
    matched_on: str  # order_id, tracking_number, email or phone
    stage: str | None
    status: str | None
    status_at: datetime | None
    facility_id: str | None
    placed_at: datetime | None
    destination_time_zone: str | None
    customer_email: str | None
    customer_phone: str | None

    @property
    def matched_on_label(self) -> str:
        return MATCHED_ON_LABELS[self.matched_on]


def parse_query(raw: str) -> SearchQuery:
    """What a typed query can be. Trimmed; an email is compared lower-case; a tracking number or order id
    without the spaces people read them out with, upper-cased; a phone by its digits, with and without
    the North American country code."""
    typed = " ".join(raw.split())
    if not typed:
        return SearchQuery(text="")
    if "@" in typed:
        return SearchQuery(text=typed, email=typed.lower().removeprefix("mailto:"))
    compact = typed.replace(" ", "")
    upper = compact.upper()
    order_ids = [upper]
    if compact.isdigit():
        order_ids.append(f"{ORDER_ID_PREFIX}{compact}")
    elif upper.startswith("SO") and upper[2:].isdigit():
        order_ids.append(f"{ORDER_ID_PREFIX}{upper[2:]}")
    return SearchQuery(
        text=typed,
        order_ids=_unique(order_ids),
        tracking_numbers=_unique([compact, upper]),
        phone_digits=phone_candidates(typed),
    )


def phone_candidates(typed: str) -> tuple[str, ...]:
    """The digit strings a typed phone may be stored as (customer_order.customer_phone_digits)."""
    if not _PHONE_SHAPE.fullmatch(typed):
        return ()
    digits = re.sub(r"\D", "", typed)
    if len(digits) not in _PHONE_DIGITS:
        return ()
    if len(digits) == NANP_DIGITS:
        return (digits, f"1{digits}")
    if len(digits) == NANP_DIGITS + 1 and digits.startswith("1"):
        return (digits, digits[1:])
    return (digits,)


def find_orders(conn: Connection, query: SearchQuery, *, limit: int = MAX_HITS) -> list[OrderHit]:
    """Orders matching any key of `query`: an exact order id first, then the most recently placed."""
    if query.is_empty:
        return []
    rows = conn.execute(
        text(SEARCH_SQL),
        {
            "order_ids": list(query.order_ids),
            "tracking_numbers": list(query.tracking_numbers),
            "email": query.email,
            "phone_digits": list(query.phone_digits),
            "limit": limit,
        },
    ).mappings()
    return [OrderHit(**row) for row in rows]


def search_orders(engine: Engine, query: str, *, limit: int = MAX_HITS) -> list[OrderHit]:
    """Parse and run one typed query on a pooled connection (the page and the search benchmark)."""
    parsed = parse_query(query)
    if parsed.is_empty:
        return []
    with engine.connect() as conn:
        return find_orders(conn, parsed, limit=limit)


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))
