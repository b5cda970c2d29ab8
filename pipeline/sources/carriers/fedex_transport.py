"""FedEx Track API: one POST per 30 tracking numbers, detailed scans included."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.sources.carriers.transport import TrackingRequest, batches

BATCH_SIZE = 30


def tracking_requests(numbers: Sequence[str]) -> list[TrackingRequest]:
    return [
        TrackingRequest(
            "POST",
            "/fedex/track/v1/trackingnumbers",
            batch,
            json={
                "includeDetailedScans": True,
                "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": number}} for number in batch],
            },
        )
        for batch in batches(list(numbers), BATCH_SIZE)
    ]
