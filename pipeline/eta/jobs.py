"""The worker's ETA job: measure new deliveries into the lane statistics, then estimate again the
shipments with new events or a passed estimate. Each step is its own transaction, serialized by its
own advisory lock, so a second worker waits rather than doing the work twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from pipeline.eta.lane_stats import LaneRefreshReport, refresh_lane_stats
from pipeline.eta.recompute import EtaRunReport, recompute_etas


@dataclass(frozen=True)
class EtaJobReport:
    lanes: LaneRefreshReport
    etas: EtaRunReport


def refresh_etas(engine: Engine, *, now: datetime | None = None) -> EtaJobReport:
    """Lane statistics first, so the estimates use the deliveries that just came in."""
    now = now or datetime.now(UTC)
    return EtaJobReport(refresh_lane_stats(engine, now=now), recompute_etas(engine, now=now))
