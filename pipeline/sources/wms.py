"""The WMS change log of a DC (`wms:DC-RNO`, `wms:DC-CMH`): a page of `wms.change_log` rows, as read.

A payload is a JSON array of row objects with the table's columns (`seq`, `txn_code`, `txn_ts`, `whse`,
`order_no`, `line_no`, `sku`, `qty`, `user_id`, `carton_id`, `ref_1`..`ref_3`, `details`). Each row is
one canonical event: the install's code table (wms_install.py) gives its type, `seq` is both its
`sequence` and its `event_id` (unique within the source, stable across re-reads), and `txn_ts` — the
DC's wall clock without an offset — is read in the DC's zone (pipeline/sources/local_time.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.facility_time import TimestampError
from pipeline.sources.base import ParseContext, Parsed, Rejection
from pipeline.sources.carriers.scan_zones import zone_of
from pipeline.sources.local_time import envelope_time, read_wall_time
from pipeline.sources.record_error import RecordError
from pipeline.sources.wms_install import WmsCode, WmsInstall, table_path, wms_install

Row = Mapping[str, Any]
QUALIFIER_COLUMN = {"ORDER_ON_HOLD": "ref_1", "ORDER_CANCELLED": "ref_1", "RETURN_RECEIVED": "ref_2"}


@dataclass(frozen=True)
class WmsChangeLog:
    source: str
    facility_id: str
    format: str = "wms"

    def parse(self, payload: bytes, context: ParseContext) -> Iterator[Parsed]:
        try:
            rows = json.loads(payload)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            yield Rejection("malformed_payload", f"not JSON: {error}", "payload", "json")
            return
        if not isinstance(rows, list):
            yield Rejection(
                "malformed_payload", "a change-log page is a JSON array of rows", "payload", "array"
            )
            return
        if not table_path(self.facility_id).exists():
            yield Rejection(
                "unknown_facility", f"no WMS code table for {self.facility_id!r}", "source", "wms_install"
            )
            return
        install = wms_install(self.facility_id)
        zone = context.facility_zones.get(self.facility_id)
        for index, row in enumerate(rows):
            try:
                yield self._event(row, install, zone)
            except RecordError as error:
                yield Rejection(
                    error.reason, error.message, error.field, error.rule, record=row, record_index=index
                )

    def tracking_numbers(self, payload: bytes) -> set[str]:
        return set()

    def _event(self, row: object, install: WmsInstall, zone: str | None) -> dict[str, Any]:
        seq, order_no = _identity(row, install, self.facility_id)
        entry, note = _meaning(row, install, self.facility_id)
        if zone is None:
            raise RecordError(
                "unknown_facility", "facility_id", "unknown_facility", f"{self.facility_id} has no zone"
            )
        try:
            local = read_wall_time(row.get("txn_ts"), zone, "txn_ts")
        except TimestampError as error:
            raise RecordError("invalid_timestamp", error.field, error.rule, error.message) from None
        attributes = {
            **entry.attributes,
            **BUILDERS.get(entry.event_type, _operator)(row, install),
            "note": note,
        }
        event: dict[str, Any] = {
            "event_id": str(seq),
            "source": self.source,
            "event_type": entry.event_type,
            **envelope_time(local),
            "order_id": order_no,
            "facility_id": self.facility_id,
            "sequence": seq,
            "attributes": _compact(attributes),
        }
        if entry.event_type == "LABEL_PRINTED":
            event.update(_label_envelope(row, attributes))
        return event


def _identity(row: object, install: WmsInstall, facility_id: str) -> tuple[int, str]:
    """The row's seq and order, after checking it is a row of this DC's change log."""
    if not isinstance(row, Mapping):
        raise RecordError("malformed_payload", "row", "object", "a change-log row is a JSON object")
    seq = row.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise RecordError(
            "missing_field", "seq", "required", "every change-log row has a non-negative integer seq"
        )
    order_no = _text(row, "order_no")
    if order_no is None:
        raise RecordError("missing_field", "order_no", "required", "the row names no order")
    if row.get("whse") != install.header.whse:
        message = f"warehouse {row.get('whse')!r} is not {install.header.whse!r} ({facility_id})"
        raise RecordError("unknown_facility", "whse", "whse_of_source", message)
    return seq, order_no


def _meaning(row: Row, install: WmsInstall, facility_id: str) -> tuple[WmsCode, str | None]:
    """The code-table entry of the row (refined by its qualifier column), and a note when the qualifier
    was not listed and the entry's reason is the fallback."""
    code = str(row.get("txn_code"))
    entry, _ = install.meaning(code, None)
    if entry is None:
        message = f"transaction code {row.get('txn_code')!r} is not in {facility_id}'s code table"
        raise RecordError("unknown_code", "txn_code", "wms_code_table", message)
    column = QUALIFIER_COLUMN.get(entry.event_type)
    if column is None:
        return entry, None
    refined, listed = install.meaning(code, row.get(column))
    if not listed and row.get(column) and "reason" in refined.attributes:
        return refined, f"WMS {column} {row[column]}"
    return refined, None


def _text(row: Row, column: str) -> str | None:
    value = row.get(column)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _details(row: Row) -> dict[str, Any]:
    value = row.get("details")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise RecordError(
                "malformed_payload", "details", "json", "details is not a JSON object"
            ) from None
    return value if isinstance(value, dict) else {}


def _compact(attributes: dict[str, Any]) -> dict[str, Any]:
    """Optional attributes are omitted when unknown, never null."""
    return {key: value for key, value in attributes.items() if value is not None}


def _operator(row: Row, install: WmsInstall) -> dict[str, Any]:
    return {"operator_id": _text(row, "user_id")}


def _order_received(row: Row, install: WmsInstall) -> dict[str, Any]:
    details = _details(row)
    ship_to = details.get("ship_to") if isinstance(details.get("ship_to"), dict) else {}
    contact = details.get("contact") if isinstance(details.get("contact"), dict) else {}
    zone = zone_of(ship_to.get("state"), ship_to.get("zip"), ship_to.get("country"))
    if zone is None:
        raise RecordError(
            "missing_field",
            "details.ship_to",
            "destination_zone",
            f"no time zone is known for the destination {ship_to.get('state')!r} {ship_to.get('zip')!r}",
        )
    channel = details.get("order_channel")
    value = details.get("order_value")
    return {
        "channel": install.header.channels.get(str(channel), channel),
        "fulfillment": install.header.fulfillment,
        "promised_delivery_by": details.get("promise_by"),
        "ship_by": details.get("must_ship_by"),
        "destination": _compact(
            {
                "postal_code": ship_to.get("zip"),
                "country": ship_to.get("country"),
                "time_zone": zone,
                "city": ship_to.get("city"),
                "state": ship_to.get("state"),
            }
        ),
        "customer": _compact({"email": contact.get("email"), "phone": contact.get("phone")}) or None,
        "lines": [
            _compact(
                {
                    "line_no": line.get("ln"),
                    "sku": line.get("item"),
                    "qty": line.get("qty"),
                    "uom": line.get("uom"),
                }
            )
            for line in details.get("lines") or []
            if isinstance(line, dict)
        ],
        "order_value": {"amount": value, "currency": install.header.currency}
        if isinstance(value, int | float) and not isinstance(value, bool)
        else None,
    }


def _line(row: Row, install: WmsInstall) -> dict[str, Any]:
    return {
        "sku": _text(row, "sku"),
        "qty": row.get("qty"),
        "line_no": row.get("line_no"),
        **_operator(row, install),
    }


def _pick_short(row: Row, install: WmsInstall) -> dict[str, Any]:
    return {**_line(row, install), "qty_short": _details(row).get("short_qty")}


def _pack_completed(row: Row, install: WmsInstall) -> dict[str, Any]:
    details = _details(row)
    return {
        **_operator(row, install),
        "carton_id": _text(row, "carton_id"),
        "weight_kg": install.weight_kg(details.get("weight"), details.get("uom")),
    }


def _label_printed(row: Row, install: WmsInstall) -> dict[str, Any]:
    code = _text(row, "ref_1")
    carrier = install.header.carriers.get(code or "")
    if carrier is None:
        raise RecordError(
            "unknown_carrier",
            "ref_1",
            "wms_carrier_codes",
            f"carrier code {code!r} is not in {install.header.facility_id}'s carrier table",
        )
    return {
        "carrier": carrier,
        "service_level": _text(row, "ref_2"),
        "tracking_number": _text(row, "ref_3"),
        "weight_kg": install.weight_kg(_details(row).get("weight")),
        **_operator(row, install),
    }


def _label_envelope(row: Row, attributes: Mapping[str, Any]) -> dict[str, Any]:
    shipment_id = _details(row).get("shipment_id")
    envelope = {
        "carrier": attributes["carrier"],
        "shipment_id": shipment_id,
        "tracking_number": attributes.get("tracking_number"),
    }
    return _compact(envelope)


def _released(row: Row, install: WmsInstall) -> dict[str, Any]:
    return {"wave_id": _text(row, "ref_1")}


def _split(row: Row, install: WmsInstall) -> dict[str, Any]:
    shipments = _details(row).get("shipments") or []
    return {"shipments": [{"shipment_id": s} if isinstance(s, str) else s for s in shipments]}


def _return_received(row: Row, install: WmsInstall) -> dict[str, Any]:
    line = _compact({"line_no": row.get("line_no"), "sku": _text(row, "sku"), "qty": row.get("qty")})
    return {
        "rma_id": _text(row, "ref_1"),
        "lines": [line] if "sku" in line else None,
        **_operator(row, install),
    }


def _no_attributes(row: Row, install: WmsInstall) -> dict[str, Any]:
    return {}


BUILDERS: dict[str, Callable[[Row, WmsInstall], dict[str, Any]]] = {
    "ORDER_RECEIVED": _order_received,
    "ORDER_ALLOCATED": _no_attributes,
    "ORDER_RELEASED": _released,
    "ITEM_PICKED": _line,
    "PICK_SHORT": _pick_short,
    "PACK_COMPLETED": _pack_completed,
    "LABEL_PRINTED": _label_printed,
    "ORDER_ON_HOLD": _operator,
    "ORDER_HOLD_RELEASED": _operator,
    "ORDER_SPLIT": _split,
    "ORDER_CANCELLED": _operator,
    "RETURN_RECEIVED": _return_received,
}


def adapter(source: str) -> WmsChangeLog:
    kind, _, facility_id = source.partition(":")
    if kind != "wms" or not facility_id:
        raise ValueError(f"a WMS source is wms:<DC id>, got {source!r}")
    return WmsChangeLog(source, facility_id)
