"""A carrier's view of its parcels, read from carrier.scan for the tracking APIs."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, text

SCAN_QUERY = text(
    "SELECT tracking_number, service_code, shipment_ref, vendor_ref, scan, facts FROM carrier.scan "
    "WHERE carrier_id = :carrier_id AND tracking_number = ANY(:numbers) "
    "ORDER BY tracking_number, scanned_at, scan_seq"
)
VENDOR_REF_QUERY = text(
    "SELECT DISTINCT tracking_number FROM carrier.scan WHERE carrier_id = :carrier_id AND vendor_ref = :vendor_ref"
)


@dataclass
class Parcel:
    """Everything a carrier shows about one tracking number; `scans` oldest first by the carrier's clock."""

    tracking_number: str
    service_code: str | None = None
    shipment_ref: str | None = None
    vendor_ref: str | None = None
    scans: list[dict] = field(default_factory=list)
    signed_by: str | None = None
    estimated_delivery: str | None = None

    @property
    def latest(self) -> dict:
        return self.scans[-1]


def parcels(db: Connection, carrier_id: str, numbers: list[str]) -> dict[str, Parcel]:
    """The parcels among `numbers` this carrier has scanned (unknown numbers are absent)."""
    found: dict[str, Parcel] = {}
    for row in db.execute(SCAN_QUERY, {"carrier_id": carrier_id, "numbers": numbers}):
        parcel = found.setdefault(
            row.tracking_number,
            Parcel(row.tracking_number, row.service_code, row.shipment_ref, row.vendor_ref),
        )
        parcel.scans.append(row.scan)
        facts = row.facts or {}
        parcel.signed_by = facts.get("signed_by") or parcel.signed_by
        parcel.estimated_delivery = facts.get("estimated_delivery") or parcel.estimated_delivery
    return found


def parcel(db: Connection, carrier_id: str, number: str) -> Parcel | None:
    return parcels(db, carrier_id, [number]).get(number)


def parcel_by_vendor_ref(db: Connection, carrier_id: str, vendor_ref: str) -> Parcel | None:
    number = db.execute(VENDOR_REF_QUERY, {"carrier_id": carrier_id, "vendor_ref": vendor_ref}).scalar()
    return parcel(db, carrier_id, number) if number else None
