"""Fulfillment at a distribution center, as its WMS records it: download, allocation, holds, wave release,
queueing for pickers, picking per line by a person with a persistent pace, short picks (re-picked after
replenishment or split into a second shipment), packing, labels, staging — and cancellations before pick."""

from __future__ import annotations

import numpy as np

from simulator.clock import HOUR_US, MINUTE_US, US, day_date, minutes, zone_calendar
from simulator.facility_calendar import next_at_or_after
from simulator.lifecycle_context import HourContext, order_received_details
from simulator.lifecycle_packing import PACKAGING_KG, pack_label_stage
from simulator.lifecycle_picking import emit_lines, walk_lines
from simulator.pick_queue import pick_wait_us
from simulator.shipments import Shipments

HOLD_REASONS = np.array(["fraud_review", "payment", "address_verification"], dtype=object)
HOLD_CANCEL_REASONS = {
    "fraud_review": "fraud_suspected",
    "payment": "payment_declined",
    "address_verification": "address_unverified",
}


def dc_flow(
    ctx: HourContext, index: np.ndarray, start: np.ndarray, facility: np.ndarray
) -> tuple[Shipments, np.ndarray]:
    """Run orders `index` through their DC from `start`. Returns the parcels and the cancelled order indices."""
    shipments, cancelled = Shipments(), []
    for f in np.unique(facility):
        mask = facility == f
        order = np.argsort(index[mask], kind="stable")
        parcels, gone = _one_dc(ctx, index[mask][order], start[mask][order], int(f))
        shipments = shipments.extend(parcels)
        cancelled.append(gone)
    return shipments, np.concatenate(cancelled) if cancelled else np.zeros(0, dtype=np.int64)


def _one_dc(ctx: HourContext, idx: np.ndarray, start: np.ndarray, f: int) -> tuple[Shipments, np.ndarray]:
    world, orders, rng, sink = ctx.world, ctx.orders, ctx.rng, ctx.sink
    p, imp = world.parameters.fulfillment, world.parameters.imperfections
    fid = str(world.facility_ids[f])
    n = len(idx)
    oid = orders.order_id[idx]

    received = start + minutes(rng, p.download_minutes, n)
    sink.add(
        "ORDER_RECEIVED",
        "wms",
        oid,
        "WR",
        received,
        facility_id=fid,
        detail_json=order_received_details(ctx, idx),
    )
    allocated = received + minutes(rng, p.allocation_minutes, n)
    sink.add(
        "ORDER_ALLOCATED", "wms", oid, "WA", allocated, facility_id=fid, detail={"facility_id": ("str", fid)}
    )

    hold = rng.random(n) < imp.hold_rate
    hold_at = allocated + minutes(rng, (1, 10), n)
    reason = HOLD_REASONS[rng.integers(0, len(HOLD_REASONS), n)]
    hold_end = hold_at + (rng.uniform(*imp.hold_release_hours, n) * HOUR_US).astype(np.int64)
    hold_cancel = hold & (rng.random(n) < imp.hold_cancel_share)
    sink.add(
        "ORDER_ON_HOLD",
        "wms",
        oid[hold],
        "WH",
        hold_at[hold],
        facility_id=fid,
        detail={"reason": ("str", reason[hold])},
    )
    released = hold & ~hold_cancel
    sink.add("ORDER_HOLD_RELEASED", "wms", oid[released], "WHR", hold_end[released], facility_id=fid)
    cancel_reason = np.array([HOLD_CANCEL_REASONS[r] for r in reason[hold_cancel]], dtype=object)
    sink.add(
        "ORDER_CANCELLED",
        "wms",
        oid[hold_cancel],
        "WX",
        hold_end[hold_cancel],
        facility_id=fid,
        detail={"reason": ("str", cancel_reason)},
    )

    ready = np.where(released, hold_end, allocated)
    wave = next_at_or_after(ready, ctx.waves(f))
    pick_start = ctx.into_shift(
        f, wave + pick_wait_us(world, f, wave) + minutes(rng, p.wave_pick_delay_minutes, n)
    )
    cancel = ~hold_cancel & (rng.random(n) < imp.cancel_before_pick_rate)
    cancel_at = allocated + (rng.random(n) * (pick_start - allocated)).astype(np.int64)
    sink.add(
        "ORDER_CANCELLED",
        "wms",
        oid[cancel],
        "WX",
        cancel_at[cancel],
        facility_id=fid,
        detail={"reason": ("str", "customer_request")},
    )
    show_wave = ~hold_cancel & (~cancel | (wave < cancel_at))
    sink.add(
        "ORDER_RELEASED",
        "wms",
        oid[show_wave],
        "WW",
        wave[show_wave],
        facility_id=fid,
        detail={"wave_id": ("str", _wave_ids(fid, world.facility_zone[f], wave[show_wave]))},
    )

    alive = ~hold_cancel & ~cancel
    parcels = _pick_pack_ship(ctx, f, idx[alive], pick_start[alive])
    return parcels, idx[~alive]


def _wave_ids(facility_id: str, zone: str, instants: np.ndarray) -> np.ndarray:
    calendar = zone_calendar(str(zone))
    day = calendar.day(instants)
    wall = (calendar.wall_seconds(instants) // 60).astype(np.int64)
    short = facility_id.split("-")[1]
    return np.array(
        [f"{short}-{day_date(d):%Y%m%d}-{m // 60:02d}{m % 60:02d}" for d, m in zip(day, wall, strict=True)],
        dtype=object,
    )


def _pick_pack_ship(ctx: HourContext, f: int, idx: np.ndarray, pick_start: np.ndarray) -> Shipments:
    world, orders, rng, sink = ctx.world, ctx.orders, ctx.rng, ctx.sink
    p, imp = world.parameters.fulfillment, world.parameters.imperfections
    fid = str(world.facility_ids[f])
    labor = p.dcs[fid]
    n = len(idx)
    oid = orders.order_id[idx]
    picker, speed = ctx.assign(f, "pick", pick_start)
    sink.add("PICK_STARTED", "wms", oid, "WPS", pick_start, facility_id=fid, operator_id=picker)
    picked = walk_lines(ctx, idx, pick_start, speed, labor.pick_seconds_per_line)
    emit_lines(ctx, "wms", "W", picked, fid, picker)

    lines = orders.lines_per_order[idx]
    shorts = np.bincount(picked.pos, picked.short, minlength=n).astype(np.int64)
    has_short = shorts > 0
    split_short = has_short & (shorts < lines) & (rng.random(n) < imp.short_outcome_split_share)
    random_split = ~has_short & (lines > 1) & (rng.random(n) < imp.split_multi_line_dc_rate)
    replenished = ctx.into_shift(
        f, picked.end + (rng.uniform(*p.replenishment_hours, n) * HOUR_US).astype(np.int64)
    )
    repicker, repick_speed = ctx.assign(f, "pick", replenished)

    s = picked.short
    repick_at = replenished[picked.pos[s]] + (
        labor.pick_seconds_per_line * repick_speed[picked.pos[s]] * US
    ).astype(np.int64)
    short_lines = picked.line[s]
    sink.add(
        "ITEM_PICKED",
        "wms",
        orders.order_id[orders.line_order[short_lines]],
        np.array([f"WIP{k}R" for k in orders.line_no[short_lines]], dtype=object),
        repick_at,
        facility_id=fid,
        operator_id=repicker[picked.pos[s]],
        line_no=orders.line_no[short_lines],
        sku=orders.line_sku[short_lines],
        qty=picked.qty_short[s],
    )
    repick_end = replenished.copy()
    np.maximum.at(repick_end, picked.pos[s], repick_at)

    first_done = np.where(has_short & ~split_short, repick_end, picked.end) + minutes(rng, (0.5, 2), n)
    one = np.array([f"{o}-1" for o in oid], dtype=object)
    two = np.array([f"{o}-2" for o in oid], dtype=object)
    split = split_short | random_split
    sink.add(
        "PICK_COMPLETED",
        "wms",
        oid,
        "WPC",
        first_done,
        facility_id=fid,
        operator_id=picker,
        shipment_id=np.where(split, one, None),
    )
    second_done = repick_end + minutes(rng, (0.5, 2), n)
    sink.add(
        "PICK_COMPLETED",
        "wms",
        oid[split_short],
        "WPC2",
        second_done[split_short],
        facility_id=fid,
        operator_id=repicker[split_short],
        shipment_id=two[split_short],
    )

    # Which parcel each line travels in: the short lines (short split) or the second half (split by size).
    shipment_of_line = np.ones(len(picked.line), dtype=np.int64)
    half = np.ceil(lines / 2)[picked.pos]
    shipment_of_line[split_short[picked.pos] & picked.short] = 2
    shipment_of_line[random_split[picked.pos] & (orders.line_no[picked.line] > half)] = 2
    units = orders.line_qty[picked.line]
    weight = orders.line_weight[picked.line] * units
    key = picked.pos * 2 + shipment_of_line - 1
    parcel_weight = np.bincount(key, weight, minlength=2 * n).reshape(n, 2) + PACKAGING_KG
    parcel_units = np.bincount(key, units, minlength=2 * n).reshape(n, 2)

    pack_one = ctx.into_shift(f, first_done + minutes(rng, p.pack_queue_minutes, n))
    split_at = np.where(split_short, picked.end + minutes(rng, (1, 5), n), pack_one - MINUTE_US)
    shipments_json = np.array([f'["{a}","{b}"]' for a, b in zip(one, two, strict=True)], dtype=object)
    sink.add(
        "ORDER_SPLIT",
        "wms",
        oid[split],
        "WSPLIT",
        split_at[split],
        facility_id=fid,
        detail={"shipments": ("raw", shipments_json[split])},
    )

    first, first_packed = pack_label_stage(
        ctx,
        f,
        idx,
        np.ones(n, dtype=bool),
        1,
        pack_one,
        parcel_weight[:, 0],
        parcel_units[:, 0],
        np.where(split, one, None),
        one,
    )
    second_start = np.where(
        random_split,
        first_packed + minutes(rng, p.split_pack_gap_minutes, n),
        ctx.into_shift(f, second_done + minutes(rng, p.pack_queue_minutes, n)),
    )
    second, _ = pack_label_stage(
        ctx, f, idx, split, 2, second_start, parcel_weight[:, 1], parcel_units[:, 1], two, two
    )
    return first.extend(second)
