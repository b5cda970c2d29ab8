"""Replay history: how good would the estimates have been? (`waypoint eta backtest --from --to`)

Every shipment picked up in [from, to] and delivered since is estimated as of its CARRIER_PICKUP scan,
with only what was known then: its lane's samples delivered before that instant, within the policy's
lookback. Two models are scored on the same deliveries: the lane model (falling back to the service
level on thin lanes, as live) and the service-level-only baseline. Scores: mean absolute error of the
likely instant in hours, and the share of deliveries inside the window.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, text

from pipeline.eta.estimate import (
    Estimate,
    ShipmentFacts,
    estimate_shipment,
    facility_zones,
    service_level_estimate,
    service_levels,
    zone_or,
)
from pipeline.eta.lane_stats import lane_samples
from pipeline.eta.lanes import LaneDistribution, LaneKey
from pipeline.eta.policy import EtaPolicy, load_policy
from pipeline.eta.working_days import WorkingDays

_DELIVERIES = """
SELECT s.shipment_id, s.order_id, s.carrier_id, s.service_code, s.facility_id, o.destination_postal_code,
       o.destination_time_zone, o.promised_delivery_by, s.carrier_pickup_at, s.delivered_at
FROM shipment AS s JOIN customer_order AS o ON o.order_id = s.order_id
WHERE s.carrier_pickup_at IS NOT NULL AND s.delivered_at IS NOT NULL AND s.delivered_at > s.carrier_pickup_at
  AND s.delivered_at >= :train_from AND s.carrier_pickup_at < :until
"""


@dataclass(frozen=True)
class ModelScore:
    model: str
    deliveries: int
    mae_hours: float
    median_error_hours: float
    inside_window: float  # share of deliveries inside the window
    mean_window_days: float

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class BacktestReport:
    first_day: date
    last_day: date
    lane_model: ModelScore
    baseline: ModelScore
    lane_share: float  # share of the lane model's estimates that came from a lane (the rest fell back)
    by_source: dict[str, ModelScore] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
            "lane_model": self.lane_model.as_dict(),
            "baseline": self.baseline.as_dict(),
            "lane_share": self.lane_share,
            "lane_model_by_source": {name: score.as_dict() for name, score in self.by_source.items()},
        }


@dataclass
class _LaneHistory:
    """One lane's samples in delivery order, to take "delivered before t, within the lookback" slices."""

    delivered: list[datetime] = field(default_factory=list)
    hours: list[float] = field(default_factory=list)

    def before(self, instant: datetime, lookback: timedelta) -> Sequence[float]:
        low = bisect.bisect_left(self.delivered, instant - lookback)
        high = bisect.bisect_left(self.delivered, instant)
        return self.hours[low:high]


def backtest(
    conn: Connection, first_day: date, last_day: date, *, policy: EtaPolicy | None = None
) -> BacktestReport:
    """Score both models on the shipments picked up from `first_day` to `last_day` (UTC days, included)."""
    policy = policy or load_policy()
    lookback = timedelta(days=policy.lookback_days)
    start = datetime.combine(first_day, time(0), UTC)
    until = datetime.combine(last_day + timedelta(days=1), time(0), UTC)
    rows = conn.execute(text(_DELIVERIES), {"train_from": start - lookback, "until": until}).mappings().all()
    history: dict[LaneKey, _LaneHistory] = defaultdict(_LaneHistory)
    for sample in sorted(lane_samples(rows, policy), key=lambda item: item["delivered_at"]):
        lane = history[
            LaneKey(sample["carrier_id"], sample["service_code"], sample["facility_id"], sample["dest_zip3"])
        ]
        lane.delivered.append(sample["delivered_at"])
        lane.hours.append(sample["working_hours"])
    modelled: list[tuple[Estimate, datetime]] = []
    baseline: list[tuple[Estimate, datetime]] = []
    for row in rows:
        picked_up = row["carrier_pickup_at"]
        if not start <= picked_up < until:
            continue
        facts = _facts(row)
        level = service_levels().get((facts.carrier_id or "", facts.service_code or ""))
        origin = facility_zones().get(facts.facility_id or "")
        if facts.lane is None or level is None or origin is None:
            continue
        past = history[facts.lane].before(picked_up, lookback) if facts.lane in history else ()
        lane = LaneDistribution.from_hours(past) if len(past) else None
        modelled.append((estimate_shipment(facts, lane, policy, picked_up), row["delivered_at"]))
        destination = WorkingDays(
            zone_or(facts.destination_time_zone, origin),
            frozenset(policy.calendar_for(facts.carrier_id).delivery_weekdays),
            policy.holiday_country,
        )
        baseline.append(
            (
                service_level_estimate(picked_up, level, origin, destination, policy, picked_up, None),
                row["delivered_at"],
            )
        )
    sources: dict[str, list[tuple[Estimate, datetime]]] = defaultdict(list)
    for estimate, delivered in modelled:
        sources[estimate.source].append((estimate, delivered))
    return BacktestReport(
        first_day=first_day,
        last_day=last_day,
        lane_model=score("lane_model", modelled),
        baseline=score("service_level_only", baseline),
        lane_share=len(sources["lane_model"]) / len(modelled) if modelled else 0.0,
        by_source={name: score(name, items) for name, items in sorted(sources.items())},
    )


def score(model: str, results: Sequence[tuple[Estimate, datetime]]) -> ModelScore:
    """MAE and median error of the likely instant (hours), share inside [window_start, window_end)."""
    if not results:
        return ModelScore(model, 0, float("nan"), float("nan"), float("nan"), float("nan"))
    errors = np.array([abs((e.likely_at - delivered).total_seconds()) / 3600 for e, delivered in results])
    inside = np.array([e.window_start <= delivered < e.window_end for e, delivered in results])
    widths = np.array([(e.window_end - e.window_start).total_seconds() / 86_400 for e, _ in results])
    return ModelScore(
        model=model,
        deliveries=len(results),
        mae_hours=round(float(errors.mean()), 2),
        median_error_hours=round(float(np.median(errors)), 2),
        inside_window=round(float(inside.mean()), 4),
        mean_window_days=round(float(widths.mean()), 2),
    )


def _facts(row: Any) -> ShipmentFacts:
    """The shipment as known at pickup: nothing of its journey after that scan."""
    return ShipmentFacts(
        shipment_id=row["shipment_id"],
        order_id=row["order_id"],
        facility_id=row["facility_id"],
        carrier_id=row["carrier_id"],
        service_code=row["service_code"],
        destination_postal_code=row["destination_postal_code"],
        destination_time_zone=row["destination_time_zone"],
        promised_delivery_by=row["promised_delivery_by"],
        carrier_pickup_at=row["carrier_pickup_at"],
    )
