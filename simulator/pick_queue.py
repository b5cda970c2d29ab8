"""Queueing at a DC when volume exceeds pick capacity, as a fluid model of the EXPECTED demand.

The backlog is computed from the expected order rate (not the sampled orders) so that every hour can still
be generated on its own: the wait an order sees depends only on (world, facility, time). Capacity is the
pickers on the running shift times their share of time on order picking; with no shift running, work queues
until the next shift starts (the morning backlog at a DC without a night shift).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from simulator.clock import DAY_US, EPOCH_DAY_OFFSET, HOUR_US, MINUTE_US
from simulator.facility_calendar import shift_windows
from simulator.world import World, load_world

STEP_MINUTES = 15
_WARMUP_DAYS = 2
_STEPS_PER_DAY = 24 * 60 // STEP_MINUTES


def pick_wait_us(world: World, facility_index: int, instants: np.ndarray) -> np.ndarray:
    """Expected wait before picking starts for work released at `instants` (microseconds)."""
    if len(instants) == 0:
        return np.zeros(0, dtype=np.int64)
    facility_id = str(world.facility_ids[facility_index])
    days = instants // DAY_US
    wait = np.zeros(len(instants), dtype=np.int64)
    for day in np.unique(days):
        backlog, capacity = _backlog_of_day(world.seed, world.orders_per_month, facility_id, int(day))
        mask = days == day
        step = ((instants[mask] - day * DAY_US) // (STEP_MINUTES * MINUTE_US)).astype(np.int64)
        hours = np.divide(backlog[step], capacity[step], out=np.zeros(len(step)), where=capacity[step] > 0)
        wait[mask] = (hours * HOUR_US).astype(np.int64)
    return wait


def _arrival_share(world: World, facility_index: int) -> np.ndarray:
    """Per destination: the share of all orders that this DC receives."""
    overflow = world.parameters.demand.dc_overflow_share
    dc_share = world.parameters.demand.fulfillment_mix["dc"]
    nearest = world.nearest_dc == facility_index
    return dc_share * np.where(nearest, 1 - overflow, overflow)


@lru_cache(maxsize=4096)
def _backlog_of_day(
    seed: int, orders_per_month: int, facility_id: str, utc_day: int
) -> tuple[np.ndarray, np.ndarray]:
    world = load_world(seed, orders_per_month)
    facility_index = int(np.flatnonzero(world.facility_ids == facility_id)[0])
    labor = world.parameters.fulfillment.dcs[facility_id]
    pickers = world.operators[f"{facility_id}:pick"]
    mean_lines = float(
        np.dot(
            np.arange(1, len(world.parameters.demand.lines_per_order) + 1),
            world.parameters.demand.lines_per_order,
        )
    )
    orders_per_picker_hour = 3600 / (labor.pick_seconds_per_line * mean_lines * float(np.mean(pickers.speed)))
    share = _arrival_share(world, facility_index)

    first = (utc_day - _WARMUP_DAYS) * DAY_US
    steps = (_WARMUP_DAYS + 1) * _STEPS_PER_DAY
    grid = first + np.arange(steps, dtype=np.int64) * STEP_MINUTES * MINUTE_US
    first_local_day = utc_day - EPOCH_DAY_OFFSET - _WARMUP_DAYS - 2
    starts, ends, names = shift_windows(facility_id, first_local_day, _WARMUP_DAYS + 5)
    running = np.searchsorted(starts, grid, side="right") - 1
    on_shift = (running >= 0) & (grid < ends[np.maximum(running, 0)])
    staff = {name: int(np.sum(pickers.shift == name)) for name in set(names)}
    shift_staff = np.array([staff.get(names[i], 0) for i in np.maximum(running, 0)], dtype=float)
    capacity = np.where(on_shift, shift_staff * labor.pick_labor_share * orders_per_picker_hour, 0.0)
    arrivals = np.array([float(np.dot(world.hourly_weights(int(t // HOUR_US)), share)) for t in grid])

    backlog = np.zeros(steps)
    level = 0.0
    hours_per_step = STEP_MINUTES / 60
    for i in range(steps):
        level = max(0.0, level + (arrivals[i] - capacity[i]) * hours_per_step)
        backlog[i] = level
    today = slice(_WARMUP_DAYS * _STEPS_PER_DAY, steps)
    return backlog[today], capacity[today]
