"""What readers show of a shipment's estimate: the order timeline and the tracking API.

`current_etas(conn, order_id)` gives one `ShipmentEta` per shipment of the order, from `shipment_eta`
(kept current by the worker's `refresh_etas` job). A shipment the job has not reached yet (labelled
moments ago) is estimated on the spot, without writing: a reader never waits for the next run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from pipeline.eta.estimate import Estimate, facility_zones, zone_or
from pipeline.eta.facts import shipment_facts
from pipeline.eta.policy import EtaPolicy, load_policy

_ESTIMATE_FIELDS = ("source", "likely_at", "window_start", "window_end", "promised_delivery_by", "basis")
SOURCE_LABELS = {
    "delivered": "delivered",
    "carrier": "carrier's date",
    "lane_model": "lane model",
    "service_level": "carrier's service level",
    "promise": "promise at checkout",
    "none": "no estimate",
}

_STORED = """
SELECT s.shipment_id, e.source, e.likely_at, e.window_start, e.window_end, e.promised_delivery_by, e.basis,
       e.computed_at, e.changed_at, o.destination_time_zone, s.facility_id
FROM shipment AS s
LEFT JOIN shipment_eta AS e ON e.shipment_id = s.shipment_id
LEFT JOIN customer_order AS o ON o.order_id = s.order_id
WHERE s.order_id = :order_id
ORDER BY s.shipment_id
"""


@dataclass(frozen=True)
class ShipmentEta:
    """One shipment's estimate as readers show it. `window_end` is exclusive (the end of the window's last
    local day); `window_first_day` / `window_last_day` are those days in the destination's zone."""

    shipment_id: str
    source: str
    source_label: str
    likely_at: datetime | None
    window_start: datetime | None
    window_end: datetime | None
    window_first_day: date | None
    window_last_day: date | None
    promised_delivery_by: datetime | None  # the original promise, never moved
    time_zone: str  # the destination's IANA zone, in which the days above are read
    computed_at: datetime | None
    changed_at: datetime | None
    stored: bool  # False: estimated on the spot, the job has not stored it yet
    basis: dict[str, Any]

    @property
    def likely_day(self) -> date | None:
        return self.likely_at.astimezone(ZoneInfo(self.time_zone)).date() if self.likely_at else None

    def __str__(self) -> str:
        return describe(self)


def current_etas(conn: Connection, order_id: str, *, now: datetime | None = None,
                 policy: EtaPolicy | None = None) -> list[ShipmentEta]:  # fmt: skip
    """Each shipment of the order with its estimate, in shipment-id order; [] for an order without
    shipments (or unknown). Reads only, in the caller's transaction."""
    rows = conn.execute(text(_STORED), {"order_id": order_id}).mappings().all()
    missing = [row["shipment_id"] for row in rows if row["source"] is None]
    fresh: dict[str, Estimate] = {}
    if missing:
        from pipeline.eta.recompute import estimate_shipments

        policy = policy or load_policy()
        facts = list(shipment_facts(conn, missing).values())
        fresh = estimate_shipments(conn, facts, now or datetime.now(UTC), policy)
    etas = []
    for row in rows:
        zone = destination_zone(row["destination_time_zone"], row["facility_id"])
        estimate = fresh.get(row["shipment_id"])
        if estimate is not None:
            etas.append(eta_view(row["shipment_id"], estimate, zone))
        else:
            values = {key: row[key] for key in _ESTIMATE_FIELDS}
            etas.append(eta_view(row["shipment_id"], Estimate(**values), zone, stored=True,
                                 computed_at=row["computed_at"], changed_at=row["changed_at"]))  # fmt: skip
    return etas


def destination_zone(time_zone: str | None, facility_id: str | None) -> ZoneInfo:
    """The zone an estimate's days are read in: the destination's, else the origin facility's."""
    return zone_or(time_zone, facility_zones().get(facility_id or "", ZoneInfo("UTC")))


def eta_view(
    shipment_id: str,
    estimate: Estimate,
    zone: ZoneInfo,
    *,
    stored: bool = False,
    computed_at: datetime | None = None,
    changed_at: datetime | None = None,
) -> ShipmentEta:
    start, end = estimate.window_start, estimate.window_end
    first, last = _window_days(start, end, zone) if start and end else (None, None)
    return ShipmentEta(
        shipment_id=shipment_id,
        source=estimate.source,
        source_label=SOURCE_LABELS.get(estimate.source, estimate.source),
        likely_at=estimate.likely_at,
        window_start=start,
        window_end=end,
        window_first_day=first,
        window_last_day=last,
        promised_delivery_by=estimate.promised_delivery_by,
        time_zone=zone.key,
        computed_at=computed_at,
        changed_at=changed_at,
        stored=stored,
        basis=dict(estimate.basis or {}),
    )


def describe(eta: ShipmentEta) -> str:
    """An estimate in one line of plain words, days in the destination's zone."""
    zone = ZoneInfo(eta.time_zone)
    promise = f"; promised by {_day(eta.promised_delivery_by, zone)}" if eta.promised_delivery_by else ""
    if eta.source == "delivered" and eta.likely_at is not None:
        return f"{eta.shipment_id} delivered {eta.likely_at.astimezone(zone):%a %b %-d, %H:%M} ({zone.key}){promise}"
    if eta.basis.get("unknown_shipment"):
        return f"{eta.shipment_id}: no estimate, Waypoint has no such shipment"
    if eta.likely_at is None:
        why = eta.basis.get("stopped") or eta.basis.get("reason")
        reason = f": carrier reports {str(why).replace('_', ' ').lower()}" if why else ""
        return f"{eta.shipment_id}: no estimate{reason}{promise}"
    words = f"{eta.shipment_id} likely {_day(eta.likely_at, zone)}"
    if eta.window_first_day and eta.window_last_day:
        words += f", window {eta.window_first_day:%a %b %-d}"
        if eta.window_last_day != eta.window_first_day:
            words += f" to {eta.window_last_day:%a %b %-d}"
    return f"{words} ({eta.source_label}){promise}"


def _window_days(start: datetime, end: datetime, zone: ZoneInfo) -> tuple[date, date]:
    """The local days of [start, end): the end is exclusive, so its last day is the one before it."""
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return first, max(first, last)


def _day(instant: datetime, zone: ZoneInfo) -> str:
    return f"{instant.astimezone(zone):%a %b %-d}"
