"""A parcel's journey with its carrier: pickup at the cut-off, hub scans along the lane, out for delivery and
delivery in the destination's daytime — with storms, failed attempts, address problems, damage and loss."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.clock import DAY_US, HOUR_US, MINUTE_US, business_days_after, day_date, minutes, zone_calendar
from simulator.demand import cutoff_schedule
from simulator.facility_calendar import next_at_or_after
from simulator.lifecycle_context import HourContext
from simulator.shipments import Shipments

NORMAL, ATTEMPT, ADDRESS, LOST, DAMAGE = range(5)
ATTEMPT_REASONS = np.array(["recipient_unavailable", "no_access"], dtype=object)


@dataclass
class CarrierOutcome:
    """Per parcel: delivery instant (0 when never delivered) and what went wrong on the way."""

    delivered_at: np.ndarray
    late: np.ndarray
    delayed: np.ndarray
    lost: np.ndarray
    damaged: np.ndarray
    returned: np.ndarray


def carry(ctx: HourContext, parcels: Shipments) -> CarrierOutcome:
    world, orders, rng = ctx.world, ctx.orders, ctx.rng
    c, imp = world.parameters.carrier, world.parameters.imperfections
    n = parcels.count
    dest = orders.dest[parcels.order]
    zones = world.dest_zone[dest]

    pickup = np.zeros(n, dtype=np.int64)
    for key in {
        (int(f), str(cr), str(s))
        for f, cr, s in zip(parcels.facility, parcels.carrier_id, parcels.service_code, strict=True)
    }:
        mask = (
            (parcels.facility == key[0]) & (parcels.carrier_id == key[1]) & (parcels.service_code == key[2])
        )
        pickup[mask] = next_at_or_after(parcels.ready[mask], cutoff_schedule(world, *key, ctx.first_day))
    pickup += minutes(rng, world.parameters.fulfillment.pickup_minutes_after_cutoff, n)

    levels = {
        (cr.carrier_id, s.service_code): s.transit_business_days
        for cr in world.carriers
        for s in cr.service_levels
    }
    committed = np.array(
        [levels[(cr, s)] for cr, s in zip(parcels.carrier_id, parcels.service_code, strict=True)]
    )
    distance = world.distance_km[parcels.facility, dest]
    lane_days = np.maximum(1, np.round(distance / c.ground_km_per_day + 0.6))
    ground_days = np.maximum(1, np.round(lane_days * rng.lognormal(0, c.transit_sigma, n)))
    express_days = committed + (rng.random(n) < c.expedited_late_rate)
    transit = np.where(committed >= 3, ground_days, express_days).astype(np.int64)

    origin_day = np.zeros(n, dtype=np.int64)
    for f in np.unique(parcels.facility):
        mask = parcels.facility == f
        origin_day[mask] = zone_calendar(str(world.facility_zone[f])).day(pickup[mask])
    planned_day = business_days_after(origin_day, transit, c.delivery_weekdays, c.holidays)

    storm_day = np.full(n, -1, dtype=np.int64)
    region = world.dest_region_index[dest]
    for offset in range(int(transit.max(initial=0)) + 3):
        day = origin_day + offset + 1
        hit = (storm_day < 0) & (day <= planned_day)
        for d in np.unique(day[hit]):
            stormy = world.storm_regions(int(d))[region]
            storm_day[hit & (day == d) & stormy] = d
    delayed = storm_day >= 0
    delay_days = rng.integers(int(imp.weather_delay_days[0]), int(imp.weather_delay_days[1]) + 1, n)
    final_day = np.where(
        delayed, business_days_after(planned_day, delay_days, c.delivery_weekdays, c.holidays), planned_day
    )

    draw = rng.random(n)
    bounds = np.cumsum([imp.delivery_attempt_rate, imp.address_issue_rate, imp.lost_rate, imp.damage_rate])
    trouble = np.searchsorted(bounds, draw, side="right") + 1
    trouble[draw >= bounds[-1]] = NORMAL
    retry_days = rng.integers(1, 4, n)
    second_day = business_days_after(
        final_day, np.where(trouble == ADDRESS, retry_days, 1), c.delivery_weekdays, c.holidays
    )
    damaged = trouble == DAMAGE
    final_day = np.where(
        damaged, business_days_after(final_day, 1, c.delivery_weekdays, c.holidays), final_day
    )

    ofd = np.zeros(n, dtype=np.int64)
    deliver = np.zeros(n, dtype=np.int64)
    ofd2 = np.zeros(n, dtype=np.int64)
    deliver2 = np.zeros(n, dtype=np.int64)
    for zone in np.unique(zones):
        mask = zones == zone
        calendar = zone_calendar(str(zone))
        count = int(mask.sum())
        for day, out, drop in ((final_day, ofd, deliver), (second_day, ofd2, deliver2)):
            out_wall = rng.uniform(*c.out_for_delivery_local_hours, count) * 3600
            drop_wall = np.maximum(rng.uniform(*c.delivery_local_hours, count) * 3600, out_wall + 1800)
            out[mask] = calendar.at(day[mask], out_wall)
            drop[mask] = calendar.at(day[mask], np.minimum(drop_wall, 20 * 3600))
    ofd = np.maximum(ofd, pickup + 6 * HOUR_US)
    deliver = np.maximum(deliver, ofd + 20 * MINUTE_US)
    ofd2 = np.maximum(ofd2, deliver + 12 * HOUR_US)
    deliver2 = np.maximum(deliver2, ofd2 + 20 * MINUTE_US)

    journey = _Journey(ctx, parcels, dest, pickup)
    hubs = 1 + (distance > 800).astype(np.int64) + (distance > 2500).astype(np.int64)
    lost = trouble == LOST
    stop_stage = np.where(lost, rng.integers(0, hubs + 1), 99)
    journey.scan("CARRIER_PICKUP", "P", np.ones(n, bool), pickup, journey.origin)
    in_transit = pickup + ((ofd - pickup) * rng.uniform(0.03, 0.06, n)).astype(np.int64)
    journey.scan("IN_TRANSIT", "T", np.ones(n, bool), in_transit, journey.origin)
    last_scan = in_transit.copy()
    for k in range(3):
        has = (hubs > k) & (stop_stage > k)
        centre = (k + 1) / (hubs + 1)
        arrive = pickup + ((ofd - pickup) * (centre - 0.05 + rng.uniform(-0.01, 0.01, n))).astype(np.int64)
        depart = pickup + ((ofd - pickup) * (centre + 0.04)).astype(np.int64)
        hub = journey.hub_along(k, hubs)
        journey.scan("ARRIVED_AT_HUB", f"H{k + 1}A", has, arrive, hub)
        journey.scan("DEPARTED_HUB", f"H{k + 1}D", has, depart, hub)
        exception = has & damaged & (k == hubs - 1)
        journey.scan("DELIVERY_EXCEPTION", "E", exception, depart + 2 * HOUR_US, hub, reason="damaged")
        last_scan = np.where(has, depart, last_scan)

    storm_at = np.zeros(n, dtype=np.int64)
    for zone in np.unique(zones[delayed]):
        mask = delayed & (zones == zone)
        storm_at[mask] = zone_calendar(str(zone)).at(
            storm_day[mask], rng.uniform(6.5, 11, int(mask.sum())) * 3600
        )
    storm_at = np.clip(storm_at, in_transit + MINUTE_US, ofd - HOUR_US)
    estimate = np.array([day_date(d).isoformat() for d in final_day], dtype=object)
    journey.scan(
        "DELIVERY_DELAYED",
        "DW",
        delayed & ~lost,
        storm_at,
        journey.destination,
        reason="weather",
        new_estimate=estimate,
    )

    arriving = ~lost
    journey.scan("OUT_FOR_DELIVERY", "O", arriving, ofd, journey.destination)
    attempt = trouble == ATTEMPT
    reason = ATTEMPT_REASONS[rng.integers(0, 2, n)]
    journey.scan("DELIVERY_ATTEMPTED", "AT", attempt, deliver, journey.destination, reason=reason)
    held = attempt & (rng.random(n) < imp.held_for_pickup_share)
    journey.scan("HELD_FOR_PICKUP", "HP", held, ofd2 - 2 * HOUR_US, journey.destination)
    address = trouble == ADDRESS
    journey.scan("ADDRESS_ISSUE", "AI", address, deliver, journey.destination, reason="bad_address")
    returned = address & (rng.random(n) < imp.address_issue_return_share)
    journey.scan("RETURN_TO_SENDER", "RTS", returned, ofd2, journey.destination, reason="bad_address")
    retry = (attempt | address) & ~returned
    journey.scan("OUT_FOR_DELIVERY", "O2", retry & ~held, ofd2, journey.destination)

    first_time = arriving & ~attempt & ~address
    delivered_at = np.where(first_time, deliver, np.where(retry, deliver2, 0))
    signed = rng.random(n) < 0.35
    last_names = np.array(
        [str(name).split(" ")[-1].upper() for name in orders.customer_name[parcels.order]], dtype=object
    )
    journey.scan(
        "DELIVERED",
        "D",
        delivered_at > 0,
        delivered_at,
        journey.destination,
        signed_by=np.where(signed, last_names, None),
    )

    declared = lost & (rng.random(n) < imp.lost_declared_share)
    lost_at = last_scan + (rng.uniform(*imp.lost_declared_days, n) * DAY_US).astype(np.int64)
    journey.scan("LOST", "L", declared, lost_at, journey.origin)
    journey.record_lost(lost & ~declared, last_scan)

    late = (delivered_at > 0) & (delivered_at > orders.promised_by[parcels.order])
    return CarrierOutcome(
        delivered_at=delivered_at, late=late, delayed=delayed, lost=lost, damaged=damaged, returned=returned
    )


class _Journey:
    """Scan emission for a set of parcels with their location tables (origin, hubs, destination)."""

    def __init__(self, ctx: HourContext, parcels: Shipments, dest: np.ndarray, pickup: np.ndarray) -> None:
        self.ctx, self.parcels, self.dest, self.pickup = ctx, parcels, dest, pickup
        world = ctx.world
        self.origin = (
            world.facility_dest[parcels.facility],
            np.array([world.facilities[f].postal_code for f in parcels.facility]),
        )
        self.destination = (dest, ctx.orders.postal_code[parcels.order])

    def hub_along(self, k: int, hubs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        world = self.ctx.world
        fraction = ((k + 1) / (hubs + 1))[:, None]
        origin = world.facility_dest[self.parcels.facility]
        lat = world.dest_lat[origin] + (world.dest_lat[self.dest] - world.dest_lat[origin]) * fraction[:, 0]
        lon = world.dest_lon[origin] + (world.dest_lon[self.dest] - world.dest_lon[origin]) * fraction[:, 0]
        candidates = world.hub_index
        nearest = candidates[
            np.argmin(
                (world.dest_lat[candidates][None, :] - lat[:, None]) ** 2
                + (world.dest_lon[candidates][None, :] - lon[:, None]) ** 2,
                axis=1,
            )
        ]
        return nearest, np.array([f"{z}01" for z in world.dest_zip3[nearest]])

    def scan(
        self,
        event_type: str,
        tag: str,
        mask: np.ndarray,
        at: np.ndarray,
        place: tuple[np.ndarray, np.ndarray],
        *,
        reason: str | np.ndarray | None = None,
        new_estimate: np.ndarray | None = None,
        signed_by: np.ndarray | None = None,
    ) -> None:
        if not mask.any():
            return
        world, orders, p = self.ctx.world, self.ctx.orders, self.parcels
        where, postal = place[0][mask], place[1][mask]
        location = np.array(
            [
                f'{{"city":"{world.dest_city[w]}","state":"{world.dest_state[w]}","postal_code":"{z}","country":"US"}}'
                for w, z in zip(where, postal, strict=True)
            ],
            dtype=object,
        )
        detail: dict = {
            "location": ("raw", location),
            "location_time_zone": ("str", world.dest_zone[where].astype(object)),
        }
        if reason is not None:
            detail["reason"] = ("str", reason if isinstance(reason, str) else reason[mask])
        if new_estimate is not None:
            detail["new_estimated_delivery"] = ("str", new_estimate[mask])
        if signed_by is not None:
            detail["signed_by"] = ("str", signed_by[mask])
        shipment_tag = np.array([f"{s.rsplit('-', 1)[1]}:{tag}" for s in p.shipment_id[mask]], dtype=object)
        self.ctx.sink.add(
            event_type,
            "carrier",
            orders.order_id[p.order[mask]],
            shipment_tag,
            at[mask],
            facility_id=world.facility_ids[p.facility[mask]].astype(object),
            shipment_id=p.shipment_id[mask],
            carrier_id=p.carrier_id[mask],
            service_code=p.service_code[mask],
            tracking_number=p.tracking_number[mask],
            detail=detail,
        )

    def record_lost(self, mask: np.ndarray, last_scan: np.ndarray) -> None:
        """Lost parcels whose scans just stop: kept for the ground-truth table (no record carries them)."""
        self.ctx.silent_losses.append((self.parcels.tracking_number[mask], last_scan[mask]))
