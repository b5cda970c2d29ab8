"""The seeded world's history as Waypoint's database holds it, built fast for benchmarks and the ETA backtest.

`make run` seeds the simulator's source systems and lets the worker read them (WMS change logs, the store
tool, carrier polling) — faithful, but carrier history alone takes hours to poll. Here the same world (same
seed, volume and days) is simulated in-process and every ground-truth record that its source would have
shown by `now` becomes a canonical event, loaded through the real load path (`load_events`: dedupe, COPY,
order-state projection). What is skipped is only the vendor formatting and parsing, which the adapters'
own tests cover; resent duplicates are left out (the load path would drop them) and records are loaded in
the order their sources showed them, with `received_at` = when they became visible.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Engine

from pipeline.canonical import CanonicalEventError, validate_event
from pipeline.load import StagedEvent, load_events
from pipeline.registry import Registry
from pipeline.taxonomy import latest_definitions
from simulator.clock import hour_index
from simulator.lifecycle import simulate_hours
from simulator.source_names import source_name
from simulator.world import load_world

HOURS_PER_CHUNK = 24
LOAD_BATCH = 20_000
# The adapters' code tables turn these vendor reasons into the canonical vocabulary; the same, in short.
_REASONS = {
    ("RETURN_REQUESTED", "doesnt_fit"): "size_or_fit",
    ("RETURN_REQUESTED", "changed_mind"): "no_longer_needed",
    ("RETURN_REQUESTED", "arrived_late"): "other",
    ("ORDER_REALLOCATED", "inventory_short"): "no_stock",
    ("ORDER_REALLOCATED", "store_capacity"): "capacity",
    ("RETURN_TO_SENDER", "bad_address"): "undeliverable",
    ("ORDER_CANCELLED", "not_collected"): "other",
    ("ORDER_CANCELLED", "address_unverified"): "other",
    ("ORDER_CANCELLED", "fraud_suspected"): "fraud",
}


@dataclass(frozen=True)
class HistoryReport:
    days: float
    orders: int
    events_offered: int
    events_loaded: int
    rejected: int
    seconds: float


def load_simulated_history(
    engine: Engine,
    *,
    days: float = 60,
    orders_per_month: int = 120_000,
    seed: int = 7,
    now: datetime | None = None,
    progress: bool = True,
    event_types: Collection[str] | None = None,
) -> HistoryReport:
    """Simulate [now - days, now) and load every record visible by `now` as canonical events (only those
    of `event_types` when given: a test of the ETA needs orders, labels, pickups and deliveries only)."""
    started = time.monotonic()
    now = (now or datetime.now(UTC)).astimezone(UTC)
    world = load_world(seed, orders_per_month)
    registry = Registry.from_files()
    zones = {item.facility_id: item.time_zone for item in world.facilities}
    first, last = hour_index(now - timedelta(days=days)), hour_index(now)
    orders = offered = loaded = rejected = 0
    for chunk_start in range(first, last, HOURS_PER_CHUNK):
        hours = list(range(chunk_start, min(chunk_start + HOURS_PER_CHUNK, last)))
        truth = simulate_hours(world, hours).truth
        wanted = pl.col("event_type").is_in(list(event_types)) if event_types is not None else pl.lit(True)
        visible = (
            truth.filter(pl.col("duplicate_of").is_null() & (pl.col("available_at") <= now) & wanted)
            .with_columns(source=source_name())
            .sort("available_at")
        )
        orders += truth.filter(pl.col("event_type") == "ORDER_RECEIVED").height
        staged: list[StagedEvent] = []
        for row in visible.iter_rows(named=True):
            try:
                event = validate_event(canonical_record(row), registry, zones)
            except CanonicalEventError:
                rejected += 1
                continue
            staged.append(StagedEvent(event, row["available_at"]))
        for batch in _batches(staged, LOAD_BATCH):
            with engine.begin() as conn:
                loaded += load_events(conn, batch).loaded
        offered += len(staged)
        if progress:
            print(f"  history: {len(hours)} hours from hour {chunk_start}: {offered:,} events", flush=True)
    return HistoryReport(days, orders, offered, loaded, rejected, round(time.monotonic() - started, 1))


def canonical_record(row: dict[str, Any]) -> dict[str, Any]:
    """One ground-truth record as the canonical event its source system's adapter would produce."""
    event_type = row["event_type"]
    definition = latest_definitions()[event_type]
    allowed = set(definition.attributes_schema["properties"])
    detail = json.loads(row["detail"]) if row["detail"] else {}
    attributes = {key: value for key, value in detail.items() if key in allowed}
    if "location" in attributes and detail.get("location_time_zone"):
        attributes["location"] = {**attributes["location"], "time_zone": detail["location_time_zone"]}
    if event_type == "ORDER_RECEIVED":
        customer = {k: v for k, v in detail.get("customer", {}).items() if k in ("email", "phone")}
        if customer:
            attributes["customer"] = customer
        if "order_total" in detail:
            attributes["order_value"] = {"amount": detail["order_total"], "currency": "USD"}
    reason = _REASONS.get((event_type, attributes.get("reason")))
    if reason is not None:
        attributes["reason"] = reason
    if event_type == "ORDER_SPLIT":
        attributes["shipments"] = [{"shipment_id": s} for s in attributes.get("shipments", [])]
    if event_type == "ORDER_RECEIVED" and "ship_by" not in attributes:
        attributes["ship_by"] = attributes.get("promised_delivery_by")  # store pickup: ready by the promise
    if event_type == "LABEL_PRINTED":
        attributes.update(
            carrier=row["carrier_id"],
            service_level=row["service_code"],
            tracking_number=row["tracking_number"],
        )
    for column in ("sku", "qty", "line_no", "operator_id"):
        if column in allowed and row[column] is not None and column not in attributes:
            attributes[column] = row[column]
    if event_type == "PICK_SHORT":
        attributes.setdefault("qty", 0)
    event: dict[str, Any] = {
        "event_id": row["record_uid"],
        "source": row["source"],
        "event_type": event_type,
        "occurred_at": row["occurred_at"].astimezone(UTC).isoformat(),
        "order_id": row["order_id"],
        "attributes": attributes,
    }
    for field, column in (
        ("shipment_id", "shipment_id"),
        ("carrier", "carrier_id"),
        ("tracking_number", "tracking_number"),
    ):
        if row[column] is not None:
            event[field] = row[column]
    if definition.stage == "fulfillment" and row["facility_id"] is not None:
        event["facility_id"] = row["facility_id"]
    return event


def _batches(items: list[StagedEvent], size: int) -> Iterator[list[StagedEvent]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
