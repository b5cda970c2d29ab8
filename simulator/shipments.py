"""Parcels handed to carriers: what fulfillment produces and the carrier journey consumes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

UPS_SHIPPER = "W4Y81P"


@dataclass
class Shipments:
    """Parallel arrays, one entry per parcel; `ready` is when it waits for the carrier's pickup."""

    order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    shipment_id: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    facility: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    carrier_id: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    service_code: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    tracking_number: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    ready: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    weight_kg: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def count(self) -> int:
        return len(self.order)

    def extend(self, other: Shipments) -> Shipments:
        return Shipments(
            **{
                name: np.concatenate([getattr(self, name), getattr(other, name)])
                for name in self.__dataclass_fields__
            }
        )


def tracking_numbers(rng: np.random.Generator, hour: int, first: int, carrier_id: np.ndarray) -> np.ndarray:
    """Carrier-shaped tracking numbers, unique within a world: each embeds the hour and a counter."""
    count = len(carrier_id)
    keys = [f"{hour % 1_000_000:06d}{first + k:04d}" for k in range(count)]
    pads = rng.integers(0, 10**7, count)
    result = np.empty(count, dtype=object)
    for i, (carrier, key, pad) in enumerate(zip(carrier_id, keys, pads, strict=True)):
        if carrier == "ups":
            result[i] = f"1Z{UPS_SHIPPER}03{key[2:]}"
        elif carrier == "fedex":
            result[i] = f"7{key[1:]}{pad % 100:02d}"
        elif carrier == "usps":
            result[i] = f"94001{key}{pad:07d}"
        elif carrier == "dhl":
            result[i] = f"GM{key}{pad % 1_000_000:06d}"
        elif carrier == "ontrac":
            result[i] = f"D{key}{pad % 10_000:04d}"
        else:
            result[i] = f"SM{key}"
    return result
