"""A shipment's delivery estimate from what is known about it (pure: no database, no clock).

In order of trust: delivered (the fact); stopped (lost, returning, held for pickup: no estimate); the
carrier's own date (a delay's new date, an estimated delivery on a scan, the next attempt) while that
day has not ended; out for delivery today; the lane model (the lane's distribution of working hours from
pickup, conditioned on the hours already travelled); the service level (pickup cut-off + committed
business days); the promise made at checkout. Every estimate says which it is (`source`) and keeps the
original promise beside it. Windows are whole local days in the destination's zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from db.master_data import ServiceLevelDefinition, carriers, facilities
from pipeline.eta.lanes import LaneDistribution, LaneKey, lane_key, widened_levels
from pipeline.eta.policy import EtaPolicy
from pipeline.eta.working_days import WorkingDays

SOURCES = ("delivered", "carrier", "lane_model", "service_level", "promise", "none")
STOPPED_SCANS = frozenset({"LOST", "RETURN_TO_SENDER", "HELD_FOR_PICKUP"})
CARRIER_DATE_FIELDS = ("new_estimated_delivery", "estimated_delivery", "next_attempt")


@dataclass(frozen=True)
class CarrierSignals:
    """What the carrier's scans say beyond position: its latest scan, its latest date, a delay."""

    latest_scan: str | None = None
    latest_scan_at: datetime | None = None
    carrier_date: date | None = None
    carrier_date_event: str | None = None
    delayed_at: datetime | None = None


@dataclass(frozen=True)
class ShipmentFacts:
    shipment_id: str
    order_id: str
    facility_id: str | None
    carrier_id: str | None
    service_code: str | None
    destination_postal_code: str | None
    destination_time_zone: str | None
    promised_delivery_by: datetime | None
    label_printed_at: datetime | None = None
    carrier_pickup_at: datetime | None = None
    delivered_at: datetime | None = None
    signals: CarrierSignals = field(default_factory=CarrierSignals)

    @property
    def lane(self) -> LaneKey | None:
        return lane_key(self.carrier_id, self.service_code, self.facility_id, self.destination_postal_code)


@dataclass(frozen=True)
class Estimate:
    source: str
    likely_at: datetime | None
    window_start: datetime | None
    window_end: datetime | None
    promised_delivery_by: datetime | None
    basis: dict[str, Any] = field(default_factory=dict)


def carrier_signals(scans: Iterable[tuple[str, datetime, Mapping[str, Any]]]) -> CarrierSignals:
    """Signals from a shipment's carrier events: (event_type, occurred_at, attributes) in any order."""
    signals = CarrierSignals()
    for event_type, occurred_at, attributes in sorted(scans, key=lambda scan: scan[1]):
        signals = replace(signals, latest_scan=event_type, latest_scan_at=occurred_at)
        carrier_date = _first_date(attributes)
        if carrier_date is not None:
            signals = replace(signals, carrier_date=carrier_date, carrier_date_event=event_type)
        if event_type == "DELIVERY_DELAYED":
            signals = replace(signals, delayed_at=occurred_at)
    return signals


def _first_date(attributes: Mapping[str, Any]) -> date | None:
    """The scan's delivery date, the most specific field first; a value that is not a date is no date (the
    registry checks the format, but a shipment's estimate must not fail on one odd scan)."""
    for name in CARRIER_DATE_FIELDS:
        value = attributes.get(name)
        if value:
            try:
                return date.fromisoformat(str(value)[:10])
            except ValueError:
                continue
    return None


@lru_cache(maxsize=1)
def service_levels() -> dict[tuple[str, str], ServiceLevelDefinition]:
    return {(c.carrier_id, s.service_code): s for c in carriers() for s in c.service_levels}


@lru_cache(maxsize=1)
def facility_zones() -> dict[str, ZoneInfo]:
    return {item.facility_id: item.zone for item in facilities()}


@lru_cache(maxsize=256)
def zone_or(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else fallback
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def estimate_shipment(
    facts: ShipmentFacts, lane: LaneDistribution | None, policy: EtaPolicy, now: datetime
) -> Estimate:
    """The best estimate for one shipment as of `now`; see the module docstring for the order."""
    promise = facts.promised_delivery_by
    if facts.delivered_at is not None:
        return Estimate("delivered", facts.delivered_at, facts.delivered_at, facts.delivered_at, promise)
    signals = facts.signals
    if signals.latest_scan in STOPPED_SCANS:
        return Estimate("none", None, None, None, promise, {"stopped": signals.latest_scan})
    origin = facility_zones().get(facts.facility_id or "")
    level = service_levels().get((facts.carrier_id or "", facts.service_code or ""))
    destination = zone_or(facts.destination_time_zone, origin or ZoneInfo("UTC"))
    calendar = policy.calendar_for(facts.carrier_id)
    days = WorkingDays(destination, frozenset(calendar.delivery_weekdays), policy.holiday_country)
    today = days.local_date(now)
    if signals.carrier_date is not None and now < days.at(
        signals.carrier_date, policy.delivery_day_end_local_time
    ):
        basis = {
            "carrier_date": signals.carrier_date.isoformat(),
            "carrier_event": signals.carrier_date_event,
        }
        return _day_window(
            "carrier", signals.carrier_date, signals.carrier_date, days, policy, now, promise, basis
        )
    if (
        signals.latest_scan == "OUT_FOR_DELIVERY"
        and signals.latest_scan_at is not None
        and days.local_date(signals.latest_scan_at) == today
        and now < days.at(today, policy.delivery_day_end_local_time)
    ):
        basis = {"out_for_delivery_at": signals.latest_scan_at.isoformat()}
        source = (
            "lane_model" if lane is not None and lane.samples >= policy.min_lane_samples else "service_level"
        )
        return _day_window(source, today, today, days, policy, now, promise, basis)
    if origin is None or level is None:
        return promise_estimate(promise, destination) if promise else Estimate("none", None, None, None, None)
    pickup_days = WorkingDays(origin, frozenset(calendar.pickup_weekdays), policy.holiday_country)
    if facts.carrier_pickup_at is not None:
        pickup, basis = (
            facts.carrier_pickup_at,
            {"pickup": "scanned", "pickup_at": facts.carrier_pickup_at.isoformat()},
        )
    else:
        ready = max(now, facts.label_printed_at or now)
        pickup = pickup_days.next_cutoff(ready, level.pickup_cutoff_local)
        basis = {"pickup": "projected", "pickup_at": pickup.isoformat()}
    if lane is not None and lane.samples >= policy.min_lane_samples:
        transit = WorkingDays(origin, frozenset(calendar.delivery_weekdays), policy.holiday_country)
        estimate = lane_estimate(pickup, lane, transit, days, policy, now, promise)
        basis = {**basis, "lane": facts.lane.label() if facts.lane else None, "lane_samples": lane.samples}
    else:
        estimate = service_level_estimate(pickup, level, origin, days, policy, now, promise)
        basis = {**basis, "lane_samples": lane.samples if lane else 0}
    if signals.latest_scan == "DELIVERY_ATTEMPTED" and signals.latest_scan_at is not None:
        retry = days.next_working_day(days.local_date(signals.latest_scan_at))
        estimate = _day_window(estimate.source, retry, retry, days, policy, now, promise, {})
        basis["after_attempt_at"] = signals.latest_scan_at.isoformat()
    elif signals.delayed_at is not None and policy.delay_without_date_days:
        estimate = _delayed(estimate, days, policy.delay_without_date_days)
        basis["delayed_at"] = signals.delayed_at.isoformat()
    return replace(estimate, basis={**estimate.basis, **basis})


def lane_estimate(
    pickup: datetime,
    lane: LaneDistribution,
    transit: WorkingDays,
    destination: WorkingDays,
    policy: EtaPolicy,
    now: datetime,
    promise: datetime | None,
) -> Estimate:
    """Pickup + the lane's working-hour quantiles, conditioned on the hours already travelled."""
    elapsed = transit.working_hours_between(pickup, now)
    low, high = widened_levels(*policy.window_quantiles, lane.samples, policy.window_uncertainty_z)
    likely_at, low_at, high_at = (
        transit.add_working_hours(pickup, lane.hours_at(level, elapsed=elapsed))
        for level in (policy.likely_quantile, low, high)
    )
    first, last = destination.local_date(low_at), destination.local_date(high_at)
    basis = {"elapsed_working_hours": round(elapsed, 2)} if elapsed else {}
    return Estimate(
        "lane_model", likely_at, destination.day_start(first), destination.day_start(last + timedelta(days=1)),
        promise, basis,
    )  # fmt: skip


def service_level_estimate(
    pickup: datetime,
    level: ServiceLevelDefinition,
    origin: ZoneInfo,
    destination: WorkingDays,
    policy: EtaPolicy,
    now: datetime,
    promise: datetime | None,
) -> Estimate:
    """Committed business days after the pickup day; the window runs from the first delivery day after
    pickup to the end of the committed day (the carrier commits to "by", not "on")."""
    business = WorkingDays(origin, frozenset(policy.service_level_weekdays), policy.holiday_country)
    pickup_day = business.local_date(pickup)
    committed = business.add_working_days(pickup_day, level.transit_business_days)
    earliest = destination.next_working_day(pickup_day, include=level.transit_business_days == 0)
    basis = {"committed_date": committed.isoformat(), "transit_business_days": level.transit_business_days}
    if now >= destination.at(committed, policy.delivery_day_end_local_time):
        late = destination.next_working_day(destination.local_date(now), include=True)
        if now >= destination.at(late, policy.delivery_day_end_local_time):
            late = destination.next_working_day(late)
        return _day_window(
            "service_level", late, late, destination, policy, now, promise, {**basis, "late": True}
        )
    return _day_window("service_level", earliest, committed, destination, policy, now, promise, basis)


def promise_estimate(promise: datetime, destination: ZoneInfo) -> Estimate:
    day = promise.astimezone(destination).date()
    start = datetime.combine(day, time(0), destination).astimezone(UTC)
    return Estimate("promise", promise, start, promise, promise)


def _day_window(
    source: str,
    first: date,
    last: date,
    days: WorkingDays,
    policy: EtaPolicy,
    now: datetime,
    promise: datetime | None,
    basis: dict[str, Any],
) -> Estimate:
    likely = _likely_on(last, days, policy, now)
    return Estimate(
        source, likely, days.day_start(first), days.day_start(last + timedelta(days=1)), promise, basis
    )


def _likely_on(day: date, days: WorkingDays, policy: EtaPolicy, now: datetime) -> datetime:
    """A date-only estimate's likely instant: the typical delivery time, or halfway to the end of the
    delivery day when that time has passed."""
    typical = days.at(day, policy.typical_delivery_local_time)
    if typical >= now:
        return typical
    end = days.at(day, policy.delivery_day_end_local_time)
    return now + (end - now) / 2 if end > now else now


def _delayed(estimate: Estimate, days: WorkingDays, extra_days: int) -> Estimate:
    """A delay without a new date: the likely day and the window's last day move `extra_days` later."""
    if estimate.likely_at is None or estimate.window_end is None:
        return estimate
    likely_day = days.add_working_days(days.local_date(estimate.likely_at), extra_days)
    last_day = days.add_working_days(days.local_date(estimate.window_end - timedelta(seconds=1)), extra_days)
    wall = estimate.likely_at.astimezone(days.zone).time()
    return replace(
        estimate,
        likely_at=days.at(likely_day, wall),
        window_end=days.day_start(last_day + timedelta(days=1)),
        basis={**estimate.basis, "delay_days_added": extra_days},
    )
