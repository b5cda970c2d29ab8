"""An order's supply-chain events as a GS1 EPCIS 2.0 document, valid against the schema we import with.

Each event becomes an ObjectEvent: the business step and disposition of its type's export entry
(epcis_schema/biz_steps.json), `eventTime` in the local offset stored with the event and that offset as
`eventTimeZoneOffset`, the facility's SGLN as readPoint and bizLocation for work done there, the order
(and an RMA) as business transactions, order lines as a quantityList. What EPCIS has no field for —
the canonical attributes, flags, shipment, carrier and tracking number — travels in Waypoint's own
namespaced extension (`wp:`), which pipeline/sources/epcis.py reads back, so importing an export
gives the same events. Helpdesk records (tickets, surveys, refunds) have no EPCIS meaning and are left
out (`not_exported` in the table).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, text

from pipeline.sources.epcis_vocabulary import ANY, EPCIS_CONTEXT, document_validator, locations, step_table
from pipeline.taxonomy import Stage

_EVENTS = text(
    "SELECT source, event_id, event_type, stage, occurred_at, utc_offset_minutes, order_id, facility_id, "
    "shipment_id, carrier, tracking_number, attributes, flags FROM event WHERE order_id = :order_id "
    "ORDER BY occurred_at, event_pk"
)
AT_FACILITY = {Stage.FULFILLMENT, Stage.POST_DELIVERY}


class EpcisExportError(ValueError):
    """The document built does not validate: a bug in the export or the table, never in the data."""


def order_document(conn: Connection, order_id: str, *, now: datetime | None = None) -> dict[str, Any]:
    """The EPCIS document of one order's exportable events (an empty event list when it has none)."""
    rows = conn.execute(_EVENTS, {"order_id": order_id}).mappings().all()
    exports = step_table().exports
    events = [epcis_event(row) for row in rows if row["event_type"] in exports]
    extension = locations().extension
    document = {
        "@context": [EPCIS_CONTEXT, {extension.prefix: extension.namespace}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": (now or datetime.now(UTC))
        .astimezone(UTC)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z"),
        "epcisBody": {"eventList": events},
    }
    problem = next(iter(document_validator().iter_errors(document)), None)
    if problem is not None:
        raise EpcisExportError(
            f"export of {order_id} breaks the EPCIS schema at {list(problem.absolute_path)}: {problem.message}"
        )
    return document


def epcis_event(row: Any) -> dict[str, Any]:
    """One stored event (a mapping of `event` columns) as an EPCIS ObjectEvent."""
    entry = step_table().exports[row["event_type"]]
    place = locations()
    prefix = place.extension.prefix
    offset = timezone(timedelta(minutes=row["utc_offset_minutes"] or 0))
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventID": "urn:uuid:"
        + str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"{place.extension.namespace}{row['source']}/{row['event_id']}")
        ),
        "eventTime": row["occurred_at"].astimezone(offset).isoformat(),
        "eventTimeZoneOffset": _offset_text(row["utc_offset_minutes"] or 0),
        "action": "OBSERVE",
        "bizStep": entry.biz_step,
    }
    if entry.disposition != ANY:
        event["disposition"] = entry.disposition
    sgln = place.facilities.get(row["facility_id"] or "")
    if sgln and (row["stage"] in AT_FACILITY or row["event_type"] == "CARRIER_PICKUP"):
        event["readPoint"] = event["bizLocation"] = {"id": sgln}
    event["bizTransactionList"] = _transactions(row, place.retailer_gln)
    event.update(_what(row["attributes"], place.extension.namespace))
    ours = {
        "attributes": row["attributes"],
        "flags": list(row["flags"] or []) or None,
        "facilityId": row["facility_id"],
        "shipmentId": row["shipment_id"],
        "carrier": row["carrier"],
        "trackingNumber": row["tracking_number"],
        "source": row["source"],
        "eventId": row["event_id"],
    }
    event.update({f"{prefix}:{key}": value for key, value in ours.items() if value is not None})
    return event


def _transactions(row: Any, gln: str) -> list[dict[str, str]]:
    transactions = [{"type": "po", "bizTransaction": f"urn:epcglobal:cbv:bt:{gln}:{row['order_id']}"}]
    rma = row["attributes"].get("rma_id")
    if rma:
        transactions.append({"type": "rma", "bizTransaction": f"urn:epcglobal:cbv:bt:{gln}:{rma}"})
    return transactions


def _what(attributes: dict[str, Any], namespace: str) -> dict[str, Any]:
    """The goods: order lines (or one SKU) as a quantityList of SKU classes; otherwise an empty epcList."""
    lines = attributes.get("lines") or ([attributes] if "sku" in attributes else [])
    quantities = [
        {
            "epcClass": f"{namespace}sku/{line['sku']}",
            "quantity": line.get("qty", 0),
            "uom": line.get("uom", "EA"),
        }
        for line in lines
        if isinstance(line, dict) and line.get("sku")
    ]
    return {"quantityList": quantities} if quantities else {"epcList": []}


def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
