"""Packing a DC parcel, printing its carrier label and staging it for the carrier's pickup."""

from __future__ import annotations

import numpy as np

from simulator.clock import US, minutes
from simulator.lifecycle_context import HourContext
from simulator.shipments import Shipments, tracking_numbers

PACKAGING_KG = 0.25


def pack_label_stage(
    ctx: HourContext,
    f: int,
    idx: np.ndarray,
    which: np.ndarray,
    number: int,
    pack_start: np.ndarray,
    weight: np.ndarray,
    units: np.ndarray,
    event_shipment: np.ndarray,
    shipment_id: np.ndarray,
) -> tuple[Shipments, np.ndarray]:
    """Pack, label and stage parcel `number` of the orders selected by `which`; also returns pack completion."""
    world, orders, rng, sink = ctx.world, ctx.orders, ctx.rng, ctx.sink
    p = world.parameters.fulfillment
    fid = str(world.facility_ids[f])
    labor = p.dcs[fid]
    idx, pack_start, weight, units = idx[which], pack_start[which], weight[which], units[which]
    event_shipment, shipment_id = event_shipment[which], shipment_id[which]
    n = len(idx)
    oid = orders.order_id[idx]
    packer, speed = ctx.assign(f, "pack", pack_start)
    seconds = (labor.pack_seconds_per_order + units * labor.pack_seconds_per_unit) * speed * ctx.noise(n)
    packed = pack_start + (seconds * US).astype(np.int64)
    weight = np.round(weight, 2)
    carton = np.array([f"C{o[3:]}{number}" for o in oid], dtype=object)
    sink.add(
        "PACK_STARTED",
        "wms",
        oid,
        f"WKS{number}",
        pack_start,
        facility_id=fid,
        operator_id=packer,
        shipment_id=event_shipment,
    )
    sink.add(
        "PACK_COMPLETED",
        "wms",
        oid,
        f"WKC{number}",
        packed,
        facility_id=fid,
        operator_id=packer,
        shipment_id=event_shipment,
        detail={"carton_id": ("str", carton), "weight_kg": ("num", weight)},
    )
    carrier, service = orders.carrier_id[idx], orders.service_code[idx]
    tracking = tracking_numbers(rng, orders.hour, ctx.next_parcel(n), carrier)
    labelled = packed + minutes(rng, p.label_minutes, n)
    sink.add(
        "LABEL_PRINTED",
        "wms",
        oid,
        f"WL{number}",
        labelled,
        facility_id=fid,
        operator_id=packer,
        shipment_id=shipment_id,
        carrier_id=carrier,
        service_code=service,
        tracking_number=tracking,
        detail={"weight_kg": ("num", weight)},
    )
    staged = labelled + minutes(rng, p.staging_minutes, n)
    sink.add(
        "STAGED_OUTBOUND",
        "wms",
        oid,
        f"WST{number}",
        staged,
        facility_id=fid,
        shipment_id=shipment_id,
        carrier_id=carrier,
        tracking_number=tracking,
    )
    parcels = Shipments(
        order=idx,
        shipment_id=shipment_id,
        facility=np.full(n, f),
        carrier_id=carrier,
        service_code=service,
        tracking_number=tracking,
        ready=staged,
        weight_kg=weight,
    )
    return parcels, packed
