"""USPS Tracking 3.0: one GET per tracking number, with every event (expand=DETAIL)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from pipeline.sources.carriers.transport import TrackingRequest

BATCH_SIZE = 1


def tracking_requests(numbers: Sequence[str]) -> list[TrackingRequest]:
    return [
        TrackingRequest(
            "GET", f"/usps/tracking/v3/tracking/{quote(number, safe='')}", (number,), {"expand": "DETAIL"}
        )
        for number in numbers
    ]
