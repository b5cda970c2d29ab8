"""The parcel carriers' tracking APIs, each in the shape of the carrier's public API.

- UPS Track API: GET /ups/api/track/v1/details/{inquiryNumber} (activities newest first)
- FedEx Track API: POST /fedex/track/v1/trackingnumbers with up to 30 numbers
- USPS Tracking 3.0: GET /usps/tracking/v3/tracking/{trackingNumber}?expand=DETAIL|SUMMARY
- DHL Shipment Tracking - Unified: GET /dhl/track/shipments?trackingNumber=…
Unknown numbers get each carrier's own not-found answer.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from db.master_data import carriers
from simulator.http.connection import sim_connection
from simulator.http.parcels import Parcel, parcel, parcels

router = APIRouter(tags=["carriers"])
Db = Annotated[Connection, Depends(sim_connection)]


@cache
def service_name(carrier_id: str, service_code: str | None) -> str | None:
    for carrier in carriers():
        if carrier.carrier_id == carrier_id:
            for level in carrier.service_levels:
                if level.service_code == service_code:
                    return level.name
    return None


# ---- UPS ----------------------------------------------------------------------------------------


def _ups_package(found: Parcel) -> dict:
    latest = found.latest
    package: dict = {
        "trackingNumber": found.tracking_number,
        "service": {"code": found.service_code, "description": service_name("ups", found.service_code)},
        "currentStatus": {
            "code": latest["status"]["statusCode"],
            "description": latest["status"]["description"],
        },
        "activity": list(reversed(found.scans)),
        "packageCount": 1,
    }
    if found.estimated_delivery:
        package["deliveryDate"] = [{"type": "RDD", "date": found.estimated_delivery.replace("-", "")}]
    if found.signed_by:
        package["deliveryInformation"] = {"receivedBy": found.signed_by}
    return package


@router.get("/ups/api/track/v1/details/{inquiry_number}")
def ups_details(inquiry_number: str, db: Db) -> JSONResponse:
    found = parcel(db, "ups", inquiry_number)
    if found is None:
        errors = [{"code": "TW0001", "message": "Tracking Information Not Found"}]
        return JSONResponse({"response": {"errors": errors}}, status_code=404)
    shipment = {"inquiryNumber": inquiry_number, "package": [_ups_package(found)]}
    return JSONResponse({"trackResponse": {"shipment": [shipment]}})


# ---- FedEx --------------------------------------------------------------------------------------


class FedexNumber(BaseModel):
    trackingNumber: str  # noqa: N815 - FedEx's field name


class FedexTrackingInfo(BaseModel):
    trackingNumberInfo: FedexNumber  # noqa: N815


class FedexTrackRequest(BaseModel):
    includeDetailedScans: bool = True  # noqa: N815
    trackingInfo: list[FedexTrackingInfo] = Field(min_length=1, max_length=30)  # noqa: N815


def _fedex_result(number: str, found: Parcel | None) -> dict:
    info = {"trackingNumber": number, "carrierCode": "FDXG"}
    if found is None:
        error = {
            "code": "TRACKING.TRACKINGNUMBER.NOTFOUND",
            "message": "Tracking number cannot be found. Please correct the tracking number and try again.",
        }
        return {"trackingNumberInfo": info, "error": error}
    latest = found.latest
    result: dict = {
        "trackingNumberInfo": info,
        "latestStatusDetail": {
            "code": latest["eventType"],
            "derivedCode": latest["derivedStatusCode"],
            "statusByLocale": latest["derivedStatus"],
            "description": latest["eventDescription"],
            "scanLocation": latest["scanLocation"],
        },
        "serviceDetail": {
            "type": found.service_code,
            "description": service_name("fedex", found.service_code),
        },
        "scanEvents": list(reversed(found.scans)),
    }
    if found.signed_by:
        result["deliveryDetails"] = {"receivedByName": found.signed_by}
    if found.estimated_delivery:
        window = {
            "begins": f"{found.estimated_delivery}T08:00:00",
            "ends": f"{found.estimated_delivery}T20:00:00",
        }
        result["estimatedDeliveryTimeWindow"] = {"window": window}
    return result


@router.post("/fedex/track/v1/trackingnumbers")
def fedex_track(body: FedexTrackRequest, db: Db) -> dict:
    numbers = [item.trackingNumberInfo.trackingNumber for item in body.trackingInfo]
    found = parcels(db, "fedex", numbers)
    results = [
        {"trackingNumber": number, "trackResults": [_fedex_result(number, found.get(number))]}
        for number in numbers
    ]
    return {"output": {"completeTrackResults": results}}


# ---- USPS ---------------------------------------------------------------------------------------


@router.get("/usps/tracking/v3/tracking/{tracking_number}")
def usps_tracking(
    tracking_number: str, db: Db, expand: Annotated[Literal["DETAIL", "SUMMARY"], Query()] = "SUMMARY"
) -> JSONResponse:
    found = parcel(db, "usps", tracking_number)
    if found is None:
        error = {"code": "404", "message": f"The tracking number {tracking_number} could not be found."}
        return JSONResponse({"apiVersion": "v3", "error": error}, status_code=404)
    latest = found.latest
    body: dict = {
        "trackingNumber": tracking_number,
        "mailClass": service_name("usps", found.service_code),
        "status": latest["eventType"],
        "statusSummary": f"{latest['eventType']}, {latest['eventCity']}, {latest['eventState']} {latest['eventZIP']}",
        "expectedDeliveryDate": found.estimated_delivery,
        "trackingEvents": list(reversed(found.scans)) if expand == "DETAIL" else [latest],
    }
    return JSONResponse(body)


# ---- DHL ----------------------------------------------------------------------------------------


@router.get("/dhl/track/shipments")
def dhl_shipments(db: Db, trackingNumber: Annotated[str, Query(min_length=1)]) -> JSONResponse:  # noqa: N803
    found = parcel(db, "dhl", trackingNumber)
    if found is None:
        problem = {
            "type": "https://api.dhl.com/errors/not-found",
            "title": "No result found",
            "status": 404,
            "detail": f"No shipment with given tracking number {trackingNumber} found.",
        }
        return JSONResponse(problem, status_code=404, media_type="application/problem+json")
    details: dict = {"product": {"productName": service_name("dhl", found.service_code)}}
    if found.signed_by:
        details["proofOfDelivery"] = {"signed": {"name": found.signed_by}}
    shipment = {
        "id": trackingNumber,
        "service": "ecommerce",
        "status": found.latest,
        "estimatedTimeOfDelivery": found.estimated_delivery,
        "details": details,
        "events": list(reversed(found.scans)),
    }
    return JSONResponse({"shipments": [shipment], "possibleAdditionalShipmentsUrl": []})
