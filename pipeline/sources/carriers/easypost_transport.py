"""EasyPost-style trackers: one GET per tracking code (the tracker id is not needed to ask)."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.sources.carriers.transport import TrackingRequest

BATCH_SIZE = 1


def tracking_requests(numbers: Sequence[str]) -> list[TrackingRequest]:
    return [
        TrackingRequest("GET", "/easypost/v2/trackers", (number,), {"tracking_code": number})
        for number in numbers
    ]
