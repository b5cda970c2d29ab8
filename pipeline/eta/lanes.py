"""Lanes and their transit distributions (pure).

A lane is carrier x service x origin facility x destination ZIP3. Its distribution is kept as the
quantiles of the working hours from pickup to delivery at levels 0, 0.05, …, 1 (21 numbers, what
PostgreSQL's percentile_cont gives the refresh job): enough to read any window, and to condition on the
time already spent in transit — a parcel still travelling after 50 working hours will not arrive in 30.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

LEVELS: tuple[float, ...] = tuple(round(i * 0.05, 2) for i in range(21))
# Past every delivery the lane has seen: the parcel is expected within the next working day.
BEYOND_HISTORY_HOURS = 24.0


@dataclass(frozen=True, order=True)
class LaneKey:
    carrier_id: str
    service_code: str
    facility_id: str
    dest_zip3: str

    def label(self) -> str:
        return f"{self.carrier_id}/{self.service_code}/{self.facility_id}->{self.dest_zip3}"


def zip3(postal_code: str | None) -> str | None:
    """The first three characters of a postal code without spaces (US: the sectional center)."""
    if not postal_code:
        return None
    compact = postal_code.replace(" ", "").upper()
    return compact[:3] if len(compact) >= 3 else None


def lane_key(
    carrier_id: str | None, service_code: str | None, facility_id: str | None, postal_code: str | None
) -> LaneKey | None:
    prefix = zip3(postal_code)
    if not (carrier_id and service_code and facility_id and prefix):
        return None
    return LaneKey(carrier_id, service_code, facility_id, prefix)


@dataclass(frozen=True)
class LaneDistribution:
    samples: int
    quantiles: tuple[float, ...]  # working hours at LEVELS

    @classmethod
    def from_hours(cls, hours: Sequence[float]) -> LaneDistribution:
        """Quantiles by linear interpolation, as percentile_cont computes them."""
        values = np.quantile(np.asarray(hours, dtype=float), LEVELS)
        return cls(len(hours), tuple(float(v) for v in values))

    def hours_at(self, level: float, *, elapsed: float = 0.0) -> float:
        """Working hours from pickup at quantile `level`, given the parcel has travelled `elapsed` hours
        without being delivered: the quantile of the distribution conditioned on transit > elapsed."""
        quantiles = np.asarray(self.quantiles)
        if elapsed >= quantiles[-1]:
            return elapsed + level * BEYOND_HISTORY_HOURS
        passed = float(np.interp(elapsed, quantiles, LEVELS)) if elapsed > quantiles[0] else 0.0
        conditional_level = passed + level * (1.0 - passed)
        return max(float(np.interp(conditional_level, LEVELS, quantiles)), elapsed)


def widened_levels(low: float, high: float, samples: int, z: float) -> tuple[float, float]:
    """The window's quantile levels moved out by `z` standard errors of a quantile estimated from
    `samples` deliveries (sqrt(q(1-q)/n)): a p90 read off 25 deliveries is as likely too early as too late,
    so the window gives a thin lane the benefit of the doubt and a busy lane almost none."""
    if samples <= 0 or z <= 0:
        return low, high
    low_margin = z * math.sqrt(low * (1 - low) / samples)
    high_margin = z * math.sqrt(high * (1 - high) / samples)
    return max(0.0, low - low_margin), min(1.0, high + high_margin)
