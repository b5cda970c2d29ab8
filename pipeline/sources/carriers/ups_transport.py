"""UPS Track API: one GET per tracking number (activities newest first)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from pipeline.sources.carriers.transport import TrackingRequest

BATCH_SIZE = 1


def tracking_requests(numbers: Sequence[str]) -> list[TrackingRequest]:
    return [
        TrackingRequest("GET", f"/ups/api/track/v1/details/{quote(number, safe='')}", (number,))
        for number in numbers
    ]
