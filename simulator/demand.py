"""The orders customers place in one hour: how many, where they ship, what they contain, how they are
fulfilled and which carrier service and promise they get. Vectorised over the hour's orders."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.clock import HOUR_US, MINUTE_US, business_days_after, hour_rng, zone_calendar
from simulator.facility_calendar import next_at_or_after, pickup_cutoffs
from simulator.world import World

DEMAND_STAGE = 1
FULFILLMENT_KINDS = ("dc", "ship_from_store", "store_pickup")
DC, SHIP_FROM_STORE, STORE_PICKUP = 0, 1, 2
MAX_ORDERS_PER_HOUR = 9999
CALENDAR_LOOKAHEAD_DAYS = 45


@dataclass
class Orders:
    """One hour's orders as parallel arrays (index = order), and their lines (index = line)."""

    hour: int
    order_id: np.ndarray
    placed: np.ndarray
    dest: np.ndarray
    postal_code: np.ndarray
    channel: np.ndarray
    kind: np.ndarray
    facility: np.ndarray
    carrier_id: np.ndarray
    service_code: np.ndarray
    transit_days: np.ndarray
    ship_by: np.ndarray
    promised_by: np.ndarray
    customer_name: np.ndarray
    customer_email: np.ndarray
    customer_phone: np.ndarray
    line_order: np.ndarray
    line_no: np.ndarray
    line_sku: np.ndarray
    line_qty: np.ndarray
    line_price: np.ndarray
    line_weight: np.ndarray

    @property
    def count(self) -> int:
        return len(self.order_id)

    @property
    def lines_per_order(self) -> np.ndarray:
        return np.bincount(self.line_order, minlength=self.count)

    @property
    def order_total(self) -> np.ndarray:
        return np.round(
            np.bincount(self.line_order, self.line_qty * self.line_price, minlength=self.count), 2
        )


def generate_orders(world: World, hour: int) -> Orders:
    """The orders placed in `hour` (hours since the epoch); a pure function of (world, hour)."""
    p = world.parameters
    rng = hour_rng(world.seed, hour, DEMAND_STAGE)
    weights = world.hourly_weights(hour)
    count = min(int(rng.poisson(weights.sum())), MAX_ORDERS_PER_HOUR)
    placed = np.sort(hour * HOUR_US + rng.integers(0, HOUR_US, count))
    dest = rng.choice(len(weights), size=count, p=weights / weights.sum())
    postal = np.array(
        [f"{z}{n:02d}" for z, n in zip(world.dest_zip3[dest], rng.integers(1, 99, count), strict=True)]
    )
    channels = list(p.demand.channel_mix)
    channel = np.array(channels)[rng.choice(len(channels), count, p=list(p.demand.channel_mix.values()))]
    mix = p.demand.fulfillment_mix
    kind = rng.choice(3, count, p=[mix[k] for k in FULFILLMENT_KINDS])
    overflow = rng.random(count) < p.demand.dc_overflow_share
    facility = np.where(
        kind == DC,
        np.where(overflow, world.other_dc[dest], world.nearest_dc[dest]),
        world.nearest_store[dest],
    )
    carrier_id, service_code, transit_days = _choose_service(world, rng, dest, kind, facility)
    ship_by, promised_by = _promise(
        world, placed, dest, kind, facility, carrier_id, service_code, transit_days
    )

    lines_per_order = rng.choice(len(p.demand.lines_per_order), count, p=p.demand.lines_per_order) + 1
    line_order = np.repeat(np.arange(count), lines_per_order)
    starts = np.cumsum(lines_per_order) - lines_per_order
    line_no = (np.arange(len(line_order)) - starts[line_order] + 1).astype(np.int16)
    sku_index = np.minimum(
        np.searchsorted(world.sku_cumulative, rng.random(len(line_order)) * world.sku_cumulative[-1]),
        len(world.sku_ids) - 1,
    )
    qty = (rng.choice(len(p.demand.qty_per_line), len(line_order), p=p.demand.qty_per_line) + 1).astype(
        np.int32
    )

    first = rng.integers(0, len(p.people.first_names), count)
    last = rng.integers(0, len(p.people.last_names), count)
    domain = rng.integers(0, len(p.people.email_domains), count)
    number = rng.integers(10, 9999, count)
    names = [
        f"{p.people.first_names[f]} {p.people.last_names[la]}" for f, la in zip(first, last, strict=True)
    ]
    emails = [
        f"{p.people.first_names[f].lower()}.{p.people.last_names[la].lower()}{n}@{p.people.email_domains[d]}"
        for f, la, n, d in zip(first, last, number, domain, strict=True)
    ]
    phones = [
        f"+1{a}{b:07d}"
        for a, b in zip(rng.integers(201, 989, count), rng.integers(0, 9_999_999, count), strict=True)
    ]
    return Orders(
        hour=hour,
        order_id=np.array([f"SO-{hour:06d}{i:04d}" for i in range(count)], dtype=object),
        placed=placed,
        dest=dest,
        postal_code=postal,
        channel=channel,
        kind=kind,
        facility=facility,
        carrier_id=carrier_id,
        service_code=service_code,
        transit_days=transit_days,
        ship_by=ship_by,
        promised_by=promised_by,
        customer_name=np.array(names, dtype=object),
        customer_email=np.array(emails, dtype=object),
        customer_phone=np.array(phones, dtype=object),
        line_order=line_order,
        line_no=line_no,
        line_sku=world.sku_ids[sku_index],
        line_qty=qty,
        line_price=world.sku_price[sku_index],
        line_weight=world.sku_weight[sku_index],
    )


def _choose_service(
    world: World, rng: np.random.Generator, dest: np.ndarray, kind: np.ndarray, facility: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    demand = world.parameters.demand
    count = len(dest)
    classes = list(demand.service_mix)
    service_class = rng.choice(len(classes), count, p=list(demand.service_mix.values()))
    carrier_id = np.empty(count, dtype=object)
    service_code = np.empty(count, dtype=object)
    draw = rng.random(count)
    ontrac_ok = np.isin(world.dest_region[dest], demand.ontrac_regions)
    for c, name in enumerate(classes):
        offered = demand.services[name]
        for allow_ontrac in (True, False):
            mask = (service_class == c) & (ontrac_ok == allow_ontrac)
            names = [k for k in offered if allow_ontrac or k != "ontrac"]
            shares = np.array([demand.carrier_mix[k] for k in names])
            cumulative = np.cumsum(shares / shares.sum())
            pick = np.minimum(np.searchsorted(cumulative, draw[mask]), len(names) - 1)
            carrier_id[mask] = np.array(names, dtype=object)[pick]
            service_code[mask] = np.array([offered[k] for k in names], dtype=object)[pick]
    local = (kind == SHIP_FROM_STORE) & world.store_is_local[dest]
    local &= rng.random(count) < demand.swiftmile_share_local_store_shipments
    for carrier, code in demand.local_service.items():
        carrier_id[local] = carrier
        service_code[local] = code
    pickup = kind == STORE_PICKUP
    carrier_id[pickup] = None
    service_code[pickup] = None
    days = {
        (c.carrier_id, s.service_code): s.transit_business_days
        for c in world.carriers
        for s in c.service_levels
    }
    transit = np.array(
        [days.get((c, s), 0) for c, s in zip(carrier_id, service_code, strict=True)], dtype=np.int64
    )
    return carrier_id, service_code, transit


def cutoff_schedule(
    world: World, facility_index: int, carrier_id: str, service_code: str, first_day: int
) -> np.ndarray:
    """Pickup cut-off instants of one carrier service at one facility from local day `first_day` on."""
    level = next(
        s
        for c in world.carriers
        if c.carrier_id == carrier_id
        for s in c.service_levels
        if s.service_code == service_code
    )
    f = world.parameters.fulfillment
    return pickup_cutoffs(
        str(world.facility_ids[facility_index]),
        level.pickup_cutoff_local,
        first_day,
        CALENDAR_LOOKAHEAD_DAYS,
        tuple(f.pickup_weekdays),
        tuple(world.parameters.carrier.holidays),
    )


def _promise(
    world: World,
    placed: np.ndarray,
    dest: np.ndarray,
    kind: np.ndarray,
    facility: np.ndarray,
    carrier_id: np.ndarray,
    service_code: np.ndarray,
    transit_days: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """ship_by = the cut-off of the day the order should ship; promised = ship_by + transit business days,
    end of that day at the destination. Store pickups are promised ready by the store's closing time."""
    count = len(placed)
    ship_by = np.zeros(count, dtype=np.int64)
    promised = np.zeros(count, dtype=np.int64)
    lead = int(world.parameters.fulfillment.same_day_ship_lead_hours * HOUR_US)
    carrier = world.parameters.carrier
    if count == 0:
        return ship_by, promised
    first_day = int(zone_calendar("UTC").day(placed[:1])[0]) - 1
    groups = {
        (int(f), c, s)
        for f, c, s, k in zip(facility, carrier_id, service_code, kind, strict=True)
        if k != STORE_PICKUP
    }
    for f, c, s in groups:
        mask = (facility == f) & (carrier_id == c) & (service_code == s) & (kind != STORE_PICKUP)
        ship_by[mask] = next_at_or_after(placed[mask] + lead, cutoff_schedule(world, f, c, s, first_day))
    shipping = kind != STORE_PICKUP
    for zone in set(world.dest_zone[dest[shipping]]):
        mask = shipping & (world.dest_zone[dest] == zone)
        origin_days = np.empty(mask.sum(), dtype=np.int64)
        for f in set(facility[mask]):
            sub = facility[mask] == f
            origin_days[sub] = zone_calendar(str(world.facility_zone[f])).day(ship_by[mask][sub])
        due_day = business_days_after(
            origin_days, transit_days[mask], carrier.delivery_weekdays, carrier.holidays
        )
        promised[mask] = zone_calendar(zone).at(due_day, np.full(len(due_day), 86_399))
    for f in set(facility[~shipping]):
        mask = (~shipping) & (facility == f)
        calendar = zone_calendar(str(world.facility_zone[f]))
        ready_by = placed[mask] + 4 * HOUR_US
        day = calendar.day(ready_by)
        late = calendar.wall_seconds(ready_by) > 20 * 3600
        promised[mask] = calendar.at(day + late.astype(np.int64), np.full(mask.sum(), 21 * 3600)) - MINUTE_US
    return ship_by, promised
