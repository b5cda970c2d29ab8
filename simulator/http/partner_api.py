"""Tracking APIs of the carriers Waypoint reaches through partners: OnTrac via an EasyPost-style tracker
service, and the regional last-mile partner SwiftMile.

- EasyPost: GET /easypost/v2/trackers/{tracker_id} and GET /easypost/v2/trackers?tracking_code=…
  (tracking_details oldest first, as EasyPost lists them)
- SwiftMile: GET /swiftmile/v1/parcels/{tracking}/events (oldest first, destination-local times)
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from sqlalchemy import Connection

from simulator.http.connection import sim_connection
from simulator.http.parcels import Parcel, parcel, parcel_by_vendor_ref

router = APIRouter(tags=["carrier partners"])
Db = Annotated[Connection, Depends(sim_connection)]

EASYPOST_NOT_FOUND = {
    "error": {"code": "NOT_FOUND", "message": "The requested resource could not be found.", "errors": []}
}


def tracker(found: Parcel) -> dict:
    """An EasyPost Tracker object for an OnTrac parcel."""
    first, latest = found.scans[0], found.latest
    return {
        "object": "Tracker",
        "id": found.vendor_ref,
        "mode": "production",
        "tracking_code": found.tracking_number,
        "status": latest["status"],
        "status_detail": latest["status_detail"],
        "created_at": first["datetime"],
        "updated_at": latest["datetime"],
        "signed_by": found.signed_by,
        "weight": None,
        "est_delivery_date": f"{found.estimated_delivery}T00:00:00Z" if found.estimated_delivery else None,
        "shipment_id": None,
        "carrier": "OnTrac",
        "tracking_details": found.scans,
        "public_url": f"https://track.easypost.com/{found.vendor_ref}",
    }


@router.get("/easypost/v2/trackers/{tracker_id}")
def easypost_tracker(tracker_id: str, db: Db) -> JSONResponse:
    found = parcel_by_vendor_ref(db, "ontrac", tracker_id)
    if found is None:
        return JSONResponse(EASYPOST_NOT_FOUND, status_code=404)
    return JSONResponse(tracker(found))


@router.get("/easypost/v2/trackers")
def easypost_trackers(db: Db, tracking_code: Annotated[str, Query(min_length=1)]) -> dict:
    found = parcel(db, "ontrac", tracking_code)
    return {"trackers": [tracker(found)] if found else [], "has_more": False}


@router.get("/swiftmile/v1/parcels/{tracking}/events")
def swiftmile_events(tracking: str, db: Db) -> JSONResponse:
    found = parcel(db, "swiftmile", tracking)
    if found is None:
        return JSONResponse({"error": "parcel_not_found", "tracking": tracking}, status_code=404)
    return JSONResponse({"tracking": tracking, "reference": found.shipment_ref, "events": found.scans})
