"""DHL Shipment Tracking - Unified: one GET per tracking number."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.sources.carriers.transport import TrackingRequest

BATCH_SIZE = 1


def tracking_requests(numbers: Sequence[str]) -> list[TrackingRequest]:
    return [
        TrackingRequest("GET", "/dhl/track/shipments", (number,), {"trackingNumber": number})
        for number in numbers
    ]
