"""Asking a source again for what one order (or parcel) should have had: the backfill's first resort.

- A DC's WMS: the order's change-log rows (pipeline/sources/wms_feed.fetch_wms_order).
- The store tool: the order's events (pipeline/sources/store_feed.fetch_store_order).
- A carrier: its tracking API for the parcel's tracking number (the requests carrier polling sends).

Whatever comes back is landed in the raw inbox under the source's own name, header `x-waypoint-backfill`
naming the rule, and goes the normal way (normalize, gate, load). From a WMS or the store tool only the
records Waypoint has neither loaded nor quarantined are landed, so a re-fetch does not inflate the source's
duplicate or quarantine counts; carrier answers are landed whole (their scans have no stable id; the load
dedupes them by meaning).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from db.engine import make_engine
from db.master_data import carriers
from pipeline.inbox import Arrival, land, wake_drain
from pipeline.settings import Settings
from pipeline.sources.carriers.transport import transport_for
from pipeline.sources.source_http import RetryPolicy, SourceUnavailableError, source_client
from pipeline.sources.store_feed import fetch_store_order, store_api_client
from pipeline.sources.wms_feed import fetch_wms_order, wms_url

BACKFILL_HEADER = "x-waypoint-backfill"

_LOADED = text("SELECT event_id FROM event_key WHERE source = :source AND event_id = ANY(:ids)")
# Quarantined records of the source that mention the order: the adapter keeps the row it rejected, the
# quality gate a summary with the event id, both JSON objects (a rejected whole page is a list: skipped).
_QUARANTINED = text(
    "SELECT record FROM quarantine WHERE source = :source AND resolved_at IS NULL"
    " AND position(convert_to(:order_id, 'UTF8') IN record) > 0"
)
_TRACKING = text("SELECT carrier_id, tracking_number FROM shipment WHERE shipment_id = :shipment_id")


@dataclass
class SourceAccess:
    """How to reach the sources; clients and engines are made on first use and closed by `close`."""

    settings: Settings
    database_url: str
    store_client: httpx.Client | None = None
    carrier_client: httpx.Client | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    _wms: dict[str, Engine] = field(default_factory=dict)
    _owned: list[Callable[[], None]] = field(default_factory=list)

    def wms(self, facility_id: str) -> Engine:
        if facility_id not in self._wms:
            url = wms_url(self.settings, self.database_url, facility_id)
            self._wms[facility_id] = make_engine(url, pool_size=1)
            self._owned.append(self._wms[facility_id].dispose)
        return self._wms[facility_id]

    def stores(self) -> httpx.Client:
        if self.store_client is None:
            self.store_client = store_api_client(self.settings)
            self._owned.append(self.store_client.close)
        return self.store_client

    def carrier_api(self) -> httpx.Client:
        if self.carrier_client is None:
            self.carrier_client = source_client(self.settings.carrier_api_base_url, self.settings)
            self._owned.append(self.carrier_client.close)
        return self.carrier_client

    def close(self) -> None:
        for close in self._owned:
            close()
        self._owned.clear()


def refetch(
    engine: Engine, access: SourceAccess, source: str, order_id: str, shipment_id: str, rule: str
) -> str:
    """Ask `source` again about the order (or the parcel `shipment_id`); what happened, in words."""
    kind, _, name = source.partition(":")
    try:
        if kind == "wms":
            return _refetch_wms(engine, access, source, name, order_id, rule)
        if kind == "stores":
            return _refetch_store(engine, access, source, order_id, rule)
        if kind == "carrier" and shipment_id:
            return _refetch_carrier(engine, access, name, shipment_id, rule)
    except (SourceUnavailableError, httpx.HTTPError) as error:
        return f"source unavailable: {str(error)[:200]}"
    return "no re-fetch for this source"


def _refetch_wms(
    engine: Engine, access: SourceAccess, source: str, facility_id: str, order_id: str, rule: str
) -> str:
    try:
        rows = json.loads(fetch_wms_order(access.wms(facility_id), order_id))
    except OperationalError as error:  # the WMS database is down or unreachable: try again next run
        raise SourceUnavailableError(f"the {facility_id} WMS database: {error.orig}") from None
    with engine.begin() as conn:
        seen = _already_seen(conn, source, order_id, [str(row["seq"]) for row in rows])
        fresh = [row for row in rows if str(row["seq"]) not in seen]
        if fresh:
            _land(conn, source, json.dumps(fresh, separators=(",", ":")).encode(), rule, order_id)
    return f"landed {len(fresh)} of {len(rows)} rows" if fresh else f"nothing new in {len(rows)} rows"


def _refetch_store(engine: Engine, access: SourceAccess, source: str, order_id: str, rule: str) -> str:
    try:
        body = json.loads(fetch_store_order(access.stores(), order_id, retry=access.retry))
    except LookupError:
        return "the store tool has no events for the order"
    events = body.get("events") or []
    with engine.begin() as conn:
        seen = _already_seen(conn, source, order_id, [str(event.get("id")) for event in events])
        fresh = [event for event in events if str(event.get("id")) not in seen]
        if fresh:
            payload = json.dumps({"order_ref": order_id, "events": fresh}, separators=(",", ":")).encode()
            _land(conn, source, payload, rule, order_id)
    return f"landed {len(fresh)} of {len(events)} events" if fresh else f"nothing new in {len(events)} events"


def _refetch_carrier(
    engine: Engine, access: SourceAccess, carrier_id: str, shipment_id: str, rule: str
) -> str:
    with engine.connect() as conn:
        row = conn.execute(_TRACKING, {"shipment_id": shipment_id}).first()
    if row is None or not row.tracking_number:
        return "the parcel has no tracking number"
    formats = {item.carrier_id: item.feed_format for item in carriers()}
    if carrier_id not in formats:
        return f"unknown carrier {carrier_id!r}"
    landed = 0
    for request in transport_for(formats[carrier_id]).tracking_requests([row.tracking_number]):
        response = access.carrier_api().request(
            request.method, request.path, params=request.params or None, json=request.json
        )
        if response.status_code == 404:
            continue
        if not response.is_success:
            return f"the carrier answered HTTP {response.status_code}"
        with engine.begin() as conn:
            _land(conn, f"carrier:{carrier_id}", response.content, rule, shipment_id)
        landed += 1
    return f"landed {landed} tracking answers" if landed else "the carrier has no scans for the parcel"


def _already_seen(conn: Connection, source: str, order_id: str, ids: Iterable[str]) -> set[str]:
    """The record ids (WMS seq, store event id) already loaded or quarantined for this source."""
    ids = sorted(set(ids))
    if not ids:
        return set()
    seen = set(conn.execute(_LOADED, {"source": source, "ids": ids}).scalars())
    for record in conn.execute(_QUARANTINED, {"source": source, "order_id": order_id}).scalars():
        try:
            document = json.loads(bytes(record))
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(document, dict):
            seen |= {str(document[key]) for key in ("seq", "id", "event_id") if document.get(key) is not None}
    return seen & set(ids)


def _land(conn: Connection, source: str, payload: bytes, rule: str, subject: str) -> None:
    headers = {BACKFILL_HEADER: rule, "subject": subject}
    land(conn, Arrival(source, payload, headers, "application/json", str(uuid.uuid4())))
    wake_drain(conn, source)
