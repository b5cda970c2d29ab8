"""Orders for KPI tests, event by event, in the words of the definitions: times are local wall clocks
of a named zone, so each test reads as its hand computation."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import Connection

from pipeline.load import load_events
from tests.canonical_factory import canonical_event, staged

RENO = ZoneInfo("America/Los_Angeles")  # DC-RNO
COLUMBUS = ZoneInfo("America/New_York")  # DC-CMH, ST-001
CHICAGO = ZoneInfo("America/Chicago")

_tracking = count(1)


def local(
    zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int = 0, *, fold: int = 0
) -> datetime:
    """A wall-clock time in `zone` as an aware instant (`fold=1`: the second of a repeated hour)."""
    return datetime(year, month, day, hour, minute, tzinfo=zone, fold=fold)


class Order:
    """One order's events, built in any order and loaded when the test says so."""

    def __init__(self, order_id: str, facility_id: str = "DC-RNO") -> None:
        self.order_id = order_id
        self.facility_id = facility_id
        self.events: list[dict] = []

    def received(
        self,
        at: datetime,
        *,
        promised: datetime,
        ship_by: datetime,
        channel: str = "web",
        fulfillment: str = "ship",
        destination_zone: str = "America/Chicago",
    ) -> Order:
        attributes = {
            "channel": channel,
            "fulfillment": fulfillment,
            "promised_delivery_by": _rfc3339(promised),
            "ship_by": _rfc3339(ship_by),
            "destination": {"postal_code": "60614", "country": "US", "time_zone": destination_zone},
            "lines": [{"line_no": 1, "sku": "SKU-000087", "qty": 1, "uom": "EA"}],
        }
        return self._add("ORDER_RECEIVED", at, attributes=attributes, facility_id=self.facility_id)

    def step(self, event_type: str, at: datetime, *, facility_id: str | None = None, **attributes) -> Order:
        """A fulfillment or helpdesk event (PICK_STARTED, PACK_COMPLETED, PICK_SHORT, SURVEY_RESPONDED…)."""
        return self._add(
            event_type, at, facility_id=facility_id or self.facility_id, attributes=attributes or None
        )

    def label(self, at: datetime, parcel: int = 1, *, carrier: str = "ups", service: str = "GND") -> Order:
        tracking = self.tracking(parcel)
        return self._add(
            "LABEL_PRINTED", at, facility_id=self.facility_id, shipment_id=self.shipment(parcel),
            tracking_number=tracking, carrier=carrier,
            attributes={"carrier": carrier, "service_level": service, "tracking_number": tracking},
        )  # fmt: skip

    def scan(
        self, event_type: str, at: datetime, parcel: int = 1, *, carrier: str = "ups", **attributes
    ) -> Order:
        """A carrier scan (CARRIER_PICKUP, DELIVERED, DELIVERY_ATTEMPTED…) of one parcel."""
        return self._add(
            event_type, at, shipment_id=self.shipment(parcel), tracking_number=self.tracking(parcel),
            carrier=carrier, attributes=attributes or None,
        )  # fmt: skip

    def inferred(self) -> Order:
        """Flag the last event added as inferred (not observed, deduced by an importer)."""
        self.events[-1]["flags"] = ["inferred"]
        return self

    def shipment(self, parcel: int) -> str:
        return f"{self.order_id}-{parcel}"

    def tracking(self, parcel: int) -> str:
        return f"1Z{self.order_id.removeprefix('SO-')}P{parcel:02d}"

    def _add(self, event_type: str, at: datetime, **fields) -> Order:
        self.events.append(canonical_event(event_type, self.order_id, at, **fields))
        return self


def load(conn: Connection, *orders: Order | list[dict], received_at: datetime | None = None) -> int:
    events = [event for item in orders for event in (item.events if isinstance(item, Order) else item)]
    return load_events(conn, staged(events, received_at or datetime(2026, 11, 24, tzinfo=UTC))).loaded


def totals(rows: pl.DataFrame, kpi: str, **where) -> tuple[float, float]:
    """Σ numerator and Σ denominator of one KPI's rows matching every `column=value` given."""
    selected = rows.filter(pl.col("kpi") == kpi)
    for column, value in where.items():
        selected = selected.filter(pl.col(column) == value)
    return selected["numerator"].sum(), selected["denominator"].sum()


def _rfc3339(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")
