"""Store fulfillment, as the store allocation tool records it: ship-from-store (pick, pack, label for a
carrier) and buy-online-pick-up-in-store (pick, ready, collected). A store that cannot fill an order — no
capacity, or a short pick — rejects it and the order is reallocated to a DC."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.clock import DAY_US, HOUR_US, minutes
from simulator.demand import SHIP_FROM_STORE, STORE_PICKUP
from simulator.lifecycle_context import HourContext, order_received_details
from simulator.lifecycle_packing import PACKAGING_KG
from simulator.lifecycle_picking import emit_lines, walk_lines
from simulator.shipments import Shipments, tracking_numbers


@dataclass
class StoreOutcome:
    shipments: Shipments
    reallocated: np.ndarray
    reallocated_at: np.ndarray
    cancelled: np.ndarray
    collected: np.ndarray
    collected_at: np.ndarray


def store_flow(ctx: HourContext, idx: np.ndarray) -> StoreOutcome:
    """Run the store-fulfilled orders `idx` (sorted) through their stores, all stores at once."""
    world, orders, rng, sink = ctx.world, ctx.orders, ctx.rng, ctx.sink
    p, imp = world.parameters.fulfillment, world.parameters.imperfections
    store = p.store
    n = len(idx)
    f = orders.facility[idx]
    fid = world.facility_ids[f].astype(object)
    oid = orders.order_id[idx]
    kind = orders.kind[idx]

    received = orders.placed[idx] + minutes(rng, p.download_minutes, n)
    sink.add(
        "ORDER_RECEIVED",
        "store_tool",
        oid,
        "SR",
        received,
        facility_id=fid,
        detail_json=order_received_details(ctx, idx),
    )
    allocated = received + minutes(rng, p.allocation_minutes, n)
    sink.add(
        "ORDER_ALLOCATED",
        "store_tool",
        oid,
        "SA",
        allocated,
        facility_id=fid,
        detail={"facility_id": ("str", fid)},
    )

    to_dc = world.facility_ids[world.nearest_dc[orders.dest[idx]]].astype(object)
    rejected = (kind == SHIP_FROM_STORE) & (rng.random(n) < imp.store_reject_rate)
    rejected_at = ctx.into_shift(f, allocated + minutes(rng, (20, 120), n))
    r = rejected
    sink.add(
        "ORDER_REALLOCATED",
        "store_tool",
        oid[r],
        "SRA",
        rejected_at[r],
        facility_id=fid[r],
        detail={
            "from_facility": ("str", fid[r]),
            "to_facility": ("str", to_dc[r]),
            "reason": ("str", "store_capacity"),
        },
    )

    go = ~rejected
    pick_start = ctx.into_shift(f, allocated + minutes(rng, store.first_pick_minutes, n))
    associate, speed = ctx.assign(f, "pick", pick_start)
    sink.add(
        "PICK_STARTED",
        "store_tool",
        oid[go],
        "SPS",
        pick_start[go],
        facility_id=fid[go],
        operator_id=associate[go],
    )
    picked = walk_lines(ctx, idx[go], pick_start[go], speed[go], store.pick_seconds_per_line)
    emit_lines(ctx, "store_tool", "S", picked, fid[go], associate[go])
    has_short = np.zeros(n, dtype=bool)
    has_short[go] = np.bincount(picked.pos, picked.short, minlength=int(go.sum())) > 0
    end = np.zeros(n, dtype=np.int64)
    end[go] = picked.end

    short_ship = has_short & (kind == SHIP_FROM_STORE)
    short_at = end + minutes(rng, (5, 30), n)
    s = short_ship
    sink.add(
        "ORDER_REALLOCATED",
        "store_tool",
        oid[s],
        "SRA",
        short_at[s],
        facility_id=fid[s],
        detail={
            "from_facility": ("str", fid[s]),
            "to_facility": ("str", to_dc[s]),
            "reason": ("str", "inventory_short"),
        },
    )
    short_pickup = has_short & (kind == STORE_PICKUP)
    sink.add(
        "ORDER_CANCELLED",
        "store_tool",
        oid[short_pickup],
        "SX",
        short_at[short_pickup],
        facility_id=fid[short_pickup],
        detail={"reason": ("str", "out_of_stock")},
    )

    complete = go & ~has_short
    done = end + minutes(rng, (0.5, 2), n)
    sink.add(
        "PICK_COMPLETED",
        "store_tool",
        oid[complete],
        "SPC",
        done[complete],
        facility_id=fid[complete],
        operator_id=associate[complete],
    )

    ship = complete & (kind == SHIP_FROM_STORE)
    shipments = _ship(ctx, idx[ship], done[ship], associate[ship])

    pickup = complete & (kind == STORE_PICKUP)
    ready = done + minutes(rng, store.ready_minutes, n)
    sink.add(
        "READY_FOR_STORE_PICKUP", "store_tool", oid[pickup], "SRP", ready[pickup], facility_id=fid[pickup]
    )
    not_collected = pickup & (rng.random(n) < store.not_collected_rate)
    expired = ctx.into_shift(f, ready + store.not_collected_days * DAY_US)
    sink.add(
        "ORDER_CANCELLED",
        "store_tool",
        oid[not_collected],
        "SX",
        expired[not_collected],
        facility_id=fid[not_collected],
        detail={"reason": ("str", "not_collected")},
    )
    collected = pickup & ~not_collected
    collected_at = ctx.into_shift(f, ready + (rng.uniform(*store.pickup_hours, n) * HOUR_US).astype(np.int64))
    sink.add(
        "CUSTOMER_PICKED_UP",
        "store_tool",
        oid[collected],
        "SCP",
        collected_at[collected],
        facility_id=fid[collected],
    )

    moved = rejected | short_ship
    return StoreOutcome(
        shipments=shipments,
        reallocated=idx[moved],
        reallocated_at=np.where(rejected, rejected_at, short_at)[moved],
        cancelled=idx[short_pickup | not_collected],
        collected=idx[collected],
        collected_at=collected_at[collected],
    )


def _ship(ctx: HourContext, idx: np.ndarray, picked: np.ndarray, associate: np.ndarray) -> Shipments:
    world, orders, rng, sink = ctx.world, ctx.orders, ctx.rng, ctx.sink
    store = world.parameters.fulfillment.store
    f = orders.facility[idx]
    fid = world.facility_ids[f].astype(object)
    n = len(idx)
    oid = orders.order_id[idx]
    line = np.flatnonzero(np.isin(orders.line_order, idx))
    pos = np.searchsorted(idx, orders.line_order[line])
    weight = np.round(
        np.bincount(pos, orders.line_weight[line] * orders.line_qty[line], minlength=n) + PACKAGING_KG, 2
    )
    shipment_id = np.array([f"{o}-1" for o in oid], dtype=object)
    packed = picked + minutes(rng, store.pack_minutes, n)
    carton = np.array([f"C{o[3:]}1" for o in oid], dtype=object)
    sink.add(
        "PACK_COMPLETED",
        "store_tool",
        oid,
        "SKC1",
        packed,
        facility_id=fid,
        operator_id=associate,
        shipment_id=shipment_id,
        detail={"carton_id": ("str", carton), "weight_kg": ("num", weight)},
    )
    carrier, service = orders.carrier_id[idx], orders.service_code[idx]
    tracking = tracking_numbers(rng, orders.hour, ctx.next_parcel(n), carrier)
    labelled = packed + minutes(rng, store.label_minutes, n)
    sink.add(
        "LABEL_PRINTED",
        "store_tool",
        oid,
        "SL1",
        labelled,
        facility_id=fid,
        operator_id=associate,
        shipment_id=shipment_id,
        carrier_id=carrier,
        service_code=service,
        tracking_number=tracking,
        detail={"weight_kg": ("num", weight)},
    )
    return Shipments(
        order=idx,
        shipment_id=shipment_id,
        facility=f,
        carrier_id=carrier,
        service_code=service,
        tracking_number=tracking,
        ready=labelled + minutes(rng, (5, 30), n),
        weight_kg=weight,
    )
