"""What a carrier's tracking API needs to be asked about some tracking numbers, as plain data.

Each feed format has a `<format>_transport` module with `BATCH_SIZE` (numbers one request may carry) and
`tracking_requests(numbers) -> list[TrackingRequest]`. Paths are relative to
settings.carrier_api_base_url and start with the carrier's prefix (/ups, /fedex, …), which is how the
simulator — or a gateway in front of the real APIs — routes them. carrier_polling sends them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class TrackingRequest:
    method: str
    path: str
    numbers: tuple[str, ...]
    params: dict[str, str] = field(default_factory=dict)
    json: Any = None


def transport_for(feed_format: str) -> ModuleType:
    return importlib.import_module(f"pipeline.sources.carriers.{feed_format}_transport")


def batches(numbers: list[str] | tuple[str, ...], size: int) -> list[tuple[str, ...]]:
    return [tuple(numbers[start : start + size]) for start in range(0, len(numbers), size)]
