"""SwiftMile: one GET per parcel for its events (oldest first, destination-local times)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from pipeline.sources.carriers.transport import TrackingRequest

BATCH_SIZE = 1


def tracking_requests(numbers: Sequence[str]) -> list[TrackingRequest]:
    return [
        TrackingRequest("GET", f"/swiftmile/v1/parcels/{quote(number, safe='')}/events", (number,))
        for number in numbers
    ]
