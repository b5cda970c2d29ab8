"""The store allocation tool (`stores`): its event feed pages and one order's events, as the API answers.

A payload is `{"events": [...], "next_cursor": n, "has_more": b}` (the feed) or
`{"order_ref": "...", "events": [...]}` (one order). Each event carries the tool's own id (the event id),
its `cursor` (the sequence), the store, the order, the tool's event name (store_codes.json) and the
store's wall-clock time WITHOUT an offset, read in the store's zone from facility master data: a store
master data does not know is rejected as `unknown_facility`.

The tool sends no ship-by cut-off with a new order (the carrier is chosen later), yet ORDER_RECEIVED
requires one: the promise is taken as the ship-by (for a pickup order it is the ready-by time the store
must meet). See `_order_received`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from db.master_data import facility
from pipeline.facility_time import TimestampError
from pipeline.sources.base import ParseContext, Parsed, Rejection
from pipeline.sources.carriers.scan_zones import zone_of
from pipeline.sources.local_time import envelope_time, read_wall_time
from pipeline.sources.mapping import CodeEntry, CodeTable, load_code_table
from pipeline.sources.record_error import RecordError
from pipeline.sources.vocabulary import check_carrier_ids, check_enum_values
from pipeline.taxonomy import latest_definitions

CODES_FILE = Path(__file__).with_name("store_codes.json")
KG_PER_OZ = 0.028349523125
Event = Mapping[str, Any]


class StoreEventName(CodeEntry):
    event_name: str = Field(min_length=1)
    qualifier: str = ""


class StoreToolHeader(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    qualifiers: dict[str, str] = Field(description="Event name -> the data field that qualifies its meaning")
    carriers: dict[str, str] = Field(min_length=1, description="The tool's carrier name -> carrier id")
    channels: dict[str, str] = Field(min_length=1, description="The tool's channel -> canonical channel")
    country: str = Field(pattern=r"^[A-Z]{2}$", description="Country of every store and ship-to address")
    unit_of_measure: str = Field(pattern=r"^[A-Z0-9]{2,3}$", description="The unit the tool counts items in")

    _carriers = field_validator("carriers")(lambda cls, value: check_carrier_ids(value))
    _channels = field_validator("channels")(
        lambda cls, value: check_enum_values(value, "ORDER_RECEIVED", "channel")
    )


@lru_cache(maxsize=1)
def store_tool() -> tuple[StoreToolHeader, CodeTable[StoreEventName]]:
    header = StoreToolHeader.model_validate(json.loads(CODES_FILE.read_text()))
    return header, load_code_table(CODES_FILE, StoreEventName, ("event_name", "qualifier"))


@dataclass(frozen=True)
class StoreToolFeed:
    source: str
    format: str = "stores"

    def parse(self, payload: bytes, context: ParseContext) -> Iterator[Parsed]:
        try:
            body = json.loads(payload)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            yield Rejection("malformed_payload", f"not JSON: {error}", "payload", "json")
            return
        if not isinstance(body, dict) or not isinstance(body.get("events"), list):
            yield Rejection(
                "malformed_payload",
                "a store tool answer has an `events` list",
                "events",
                "required",
                record=body,
            )
            return
        for index, event in enumerate(body["events"]):
            try:
                yield self._event(event, context)
            except RecordError as error:
                yield Rejection(
                    error.reason, error.message, error.field, error.rule, record=event, record_index=index
                )

    def tracking_numbers(self, payload: bytes) -> set[str]:
        return set()

    def _event(self, event: object, context: ParseContext) -> dict[str, Any]:
        if not isinstance(event, Mapping):
            raise RecordError("malformed_payload", "event", "object", "a store tool event is a JSON object")
        for name in ("id", "order_ref", "store_id"):
            if not isinstance(event.get(name), str) or not event[name]:
                raise RecordError("missing_field", name, "required", f"the event has no {name}")
        cursor = event.get("cursor")
        if isinstance(cursor, bool) or not isinstance(cursor, int):
            raise RecordError("missing_field", "cursor", "required", "the event has no integer cursor")
        header, codes = store_tool()
        data = event.get("data") if isinstance(event.get("data"), Mapping) else {}
        name = str(event.get("type"))
        qualifier = data.get(header.qualifiers.get(name, ""))
        entry = codes.lookup((name, qualifier)) if isinstance(qualifier, str) else None
        entry = entry or codes.lookup((name, ""))
        if entry is None:
            raise RecordError(
                "unknown_code",
                "type",
                "store_codes",
                f"event {name!r} ({qualifier!r}) is not in the store tool's table",
            )
        store_id = event["store_id"]
        zone = context.facility_zones.get(store_id)
        if zone is None:
            raise RecordError(
                "unknown_facility",
                "store_id",
                "unknown_facility",
                f"store {store_id!r} is not in master data",
            )
        try:
            local = read_wall_time(event.get("occurred_at"), zone, "occurred_at")
        except TimestampError as error:
            raise RecordError("invalid_timestamp", error.field, error.rule, error.message) from None
        if entry.attributes.get("fulfillment") == "ship" and not isinstance(data.get("ship_to"), Mapping):
            raise RecordError(
                "missing_field", "data.ship_to", "required", "a ship-from-store order has no ship_to"
            )
        build = BUILDERS.get(entry.event_type)
        facts = build(StoreRecord(event, data, header, entry.attributes)) if build else {}
        attributes = {**entry.attributes, **_operator(entry.event_type, event), **facts}
        canonical: dict[str, Any] = {
            "event_id": event["id"],
            "source": self.source,
            "event_type": entry.event_type,
            **envelope_time(local),
            "order_id": event["order_ref"],
            "facility_id": store_id,
            "sequence": cursor,
            "attributes": _compact(attributes),
        }
        if entry.event_type == "LABEL_PRINTED":
            canonical.update(
                _compact(
                    {
                        "carrier": attributes["carrier"],
                        "tracking_number": attributes.get("tracking_number"),
                        "shipment_id": data.get("shipment_id"),
                    }
                )
            )
        return canonical


def _compact(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _operator(event_type: str, event: Event) -> dict[str, Any]:
    """The associate, on the types that record who did the work."""
    properties = latest_definitions()[event_type].attributes_schema.get("properties", {})
    return {"operator_id": event.get("associate_id")} if "operator_id" in properties else {}


@dataclass(frozen=True)
class StoreRecord:
    """One tool event as the builders see it: the event, its data, the tool's setup, the table's attributes."""

    event: Event
    data: Mapping[str, Any]
    header: StoreToolHeader
    implied: Mapping[str, Any]


def _order_received(r: StoreRecord) -> dict[str, Any]:
    pickup = r.implied.get("fulfillment") == "store_pickup"
    destination = (
        _pickup_store(r.event["store_id"], r.header) if pickup else _ship_to(r.data.get("ship_to"), r.header)
    )
    customer = r.data.get("customer") if isinstance(r.data.get("customer"), Mapping) else {}
    lines = [
        {
            "line_no": item.get("line"),
            "sku": item.get("sku"),
            "qty": item.get("quantity"),
            "uom": r.header.unit_of_measure,
        }
        for item in r.data.get("items") or []
        if isinstance(item, Mapping)
    ]
    return {
        "channel": r.header.channels.get(str(r.data.get("channel")), r.data.get("channel")),
        "promised_delivery_by": r.data.get("promise_by"),
        "ship_by": r.data.get("promise_by"),
        "destination": destination,
        "customer": _compact({"email": customer.get("email"), "phone": customer.get("phone")}) or None,
        "lines": [_compact(line) for line in lines],
    }


def _ship_to(ship_to: object, header: StoreToolHeader) -> dict[str, Any]:
    if not isinstance(ship_to, Mapping):
        raise RecordError("malformed_payload", "data.ship_to", "object", "ship_to is not an address")
    zone = zone_of(ship_to.get("state"), ship_to.get("postal_code"), header.country)
    if zone is None:
        where = f"{ship_to.get('state')!r} {ship_to.get('postal_code')!r}"
        raise RecordError(
            "missing_field", "data.ship_to", "destination_zone", f"no time zone is known for {where}"
        )
    address = {"postal_code": ship_to.get("postal_code"), "country": header.country, "time_zone": zone}
    return _compact({**address, "city": ship_to.get("city"), "state": ship_to.get("state")})


def _pickup_store(store_id: str, header: StoreToolHeader) -> dict[str, Any]:
    store = facility(store_id)
    return {
        "postal_code": store.postal_code,
        "country": header.country,
        "time_zone": store.time_zone,
        "state": store.region,
    }


def _item(r: StoreRecord) -> dict[str, Any]:
    return {"sku": r.data.get("sku"), "qty": r.data.get("quantity"), "line_no": r.data.get("line")}


def _short(r: StoreRecord) -> dict[str, Any]:
    picked, short = r.data.get("quantity_picked"), r.data.get("quantity_short")
    return {"sku": r.data.get("sku"), "line_no": r.data.get("line"), "qty": picked, "qty_short": short}


def _packed(r: StoreRecord) -> dict[str, Any]:
    ounces = r.data.get("weight_oz")
    weight = round(ounces * KG_PER_OZ, 3) if isinstance(ounces, int | float) and ounces > 0 else None
    return {"carton_id": r.data.get("package_id"), "weight_kg": weight}


def _label(r: StoreRecord) -> dict[str, Any]:
    carrier = r.header.carriers.get(str(r.data.get("carrier")))
    if carrier is None:
        raise RecordError(
            "unknown_carrier",
            "data.carrier",
            "store_carriers",
            f"carrier {r.data.get('carrier')!r} is not known",
        )
    return {
        "carrier": carrier,
        "service_level": r.data.get("service"),
        "tracking_number": r.data.get("tracking_number"),
    }


def _rejected(r: StoreRecord) -> dict[str, Any]:
    return {"from_facility": r.event["store_id"], "to_facility": r.data.get("reassigned_to")}


BUILDERS: dict[str, Callable[[StoreRecord], dict[str, Any]]] = {
    "ORDER_RECEIVED": _order_received,
    "ITEM_PICKED": _item,
    "PICK_SHORT": _short,
    "PACK_COMPLETED": _packed,
    "LABEL_PRINTED": _label,
    "ORDER_REALLOCATED": _rejected,
}


def adapter(source: str) -> StoreToolFeed:
    return StoreToolFeed(source)
