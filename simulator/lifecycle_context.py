"""What every lifecycle stage of one hour shares: the world, the hour's orders, its random generator and the
truth sink, plus the helpers that put work into shifts and give it to a person on that shift."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from simulator.clock import EPOCH_DAY_OFFSET, HOUR_US, US, from_us
from simulator.demand import CALENDAR_LOOKAHEAD_DAYS, Orders
from simulator.facility_calendar import shift_windows, wave_releases, window_index, within_windows
from simulator.truth_sink import TruthSink
from simulator.world import World


@dataclass
class HourContext:
    world: World
    orders: Orders
    rng: np.random.Generator
    sink: TruthSink
    parcels_numbered: int = 0
    silent_losses: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def next_parcel(self, count: int) -> int:
        """First number of `count` new parcels in this hour (tracking numbers embed it)."""
        first = self.parcels_numbered
        self.parcels_numbered += count
        return first

    @property
    def first_day(self) -> int:
        """First local calendar day of the windows the hour's work can fall in."""
        return self.orders.hour * HOUR_US // (86_400 * US) - EPOCH_DAY_OFFSET - 2

    def windows(self, facility_index: int) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
        return shift_windows(
            str(self.world.facility_ids[facility_index]), self.first_day, CALENDAR_LOOKAHEAD_DAYS
        )

    def into_shift(self, facility: int | np.ndarray, instants: np.ndarray) -> np.ndarray:
        """Move each instant into its facility's next working window (unchanged when inside one)."""
        facility = np.broadcast_to(np.asarray(facility), instants.shape)
        result = np.empty_like(instants)
        for f in np.unique(facility):
            mask = facility == f
            starts, ends, _ = self.windows(int(f))
            result[mask] = within_windows(instants[mask], starts, ends)
        return result

    def waves(self, facility_index: int) -> np.ndarray:
        interval = self.world.parameters.fulfillment.wave_interval_minutes
        return wave_releases(
            str(self.world.facility_ids[facility_index]), self.first_day, CALENDAR_LOOKAHEAD_DAYS, interval
        )

    def assign(
        self, facility: int | np.ndarray, role: str, instants: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """A person on the shift running at each instant at each facility: (operator ids, speed factors)."""
        facility = np.broadcast_to(np.asarray(facility), instants.shape)
        ids = np.empty(len(instants), dtype=object)
        speed = np.empty(len(instants))
        draws = self.rng.random(len(instants))
        for f in np.unique(facility):
            at = facility == f
            people = self.world.operators[f"{self.world.facility_ids[f]}:{role}"]
            starts, _, names = self.windows(int(f))
            shift = np.array(names, dtype=object)[window_index(instants[at], starts)]
            chosen = np.zeros(int(at.sum()), dtype=np.int64)
            for name in set(shift):
                mask = shift == name
                pool = np.flatnonzero(people.shift == name)
                if len(pool) == 0:
                    pool = np.arange(len(people.ids))
                chosen[mask] = pool[(draws[at][mask] * len(pool)).astype(np.int64)]
            ids[at] = people.ids[chosen]
            speed[at] = people.speed[chosen]
        return ids, speed

    def noise(self, size: int) -> np.ndarray:
        return self.rng.lognormal(0.0, self.world.parameters.fulfillment.duration_noise_sigma, size)


def order_received_details(ctx: HourContext, index: np.ndarray) -> np.ndarray:
    """The ORDER_RECEIVED `detail` of each order: channel, promise, destination, customer, lines, total.

    A plain loop: a few hundred orders per call, where building polars frames would cost more.
    """
    world, orders = ctx.world, ctx.orders
    starts = np.searchsorted(orders.line_order, index, side="left")
    ends = np.searchsorted(orders.line_order, index, side="right")
    totals = orders.order_total
    details = np.empty(len(index), dtype=object)
    for k, i in enumerate(index):
        dest = orders.dest[i]
        pickup = orders.carrier_id[i] is None
        body = {
            "channel": str(orders.channel[i]),
            "fulfillment": "store_pickup" if pickup else "ship",
            "promised_delivery_by": _rfc3339(orders.promised_by[i]),
        }
        if not pickup:
            body["ship_by"] = _rfc3339(orders.ship_by[i])
        body["destination"] = {
            "postal_code": str(orders.postal_code[i]),
            "city": str(world.dest_city[dest]),
            "state": str(world.dest_state[dest]),
            "country": "US",
            "time_zone": str(world.dest_zone[dest]),
        }
        body["customer"] = {
            "name": orders.customer_name[i],
            "email": orders.customer_email[i],
            "phone": orders.customer_phone[i],
        }
        body["lines"] = [
            {
                "line_no": int(orders.line_no[j]),
                "sku": str(orders.line_sku[j]),
                "qty": int(orders.line_qty[j]),
                "uom": "EA",
            }
            for j in range(starts[k], ends[k])
        ]
        body["order_total"] = float(totals[i])
        details[k] = json.dumps(body, separators=(",", ":"))
    return details


def _rfc3339(instant_us: int) -> str:
    return from_us(instant_us).strftime("%Y-%m-%dT%H:%M:%SZ")
