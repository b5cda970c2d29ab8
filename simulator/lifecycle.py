"""The ground truth of one hour of the world: every record that the orders placed in that hour will ever
produce, from download to refund, as one TRUTH_SCHEMA frame, plus the ground-truth list of every injected
imperfection (for `sim.injected_anomaly`).

Stages: demand (simulator/demand.py, its own random stream) -> fulfillment at a DC (lifecycle_fulfillment.py)
or a store (lifecycle_store.py) -> carrier journey (lifecycle_carrier.py) -> aftercare
(lifecycle_aftercare.py), sharing the hour's lifecycle stream -> source imperfections (source_anomalies.py,
its own stream).

`detail` keys per event type (JSON object; absent keys are omitted, never null):
- ORDER_RECEIVED: channel, fulfillment, promised_delivery_by, ship_by (not for store pickup), destination
  {postal_code, city, state, country, time_zone}, customer {name, email, phone}, lines [{line_no, sku, qty,
  uom}], order_total
- ORDER_ALLOCATED: facility_id; ORDER_RELEASED: wave_id; ORDER_ON_HOLD: reason; ORDER_CANCELLED: reason;
  ORDER_SPLIT: shipments [shipment ids]; ORDER_REALLOCATED: from_facility, to_facility, reason
- PICK_SHORT: qty_short; PACK_COMPLETED: carton_id, weight_kg; LABEL_PRINTED: weight_kg
- carrier events: location {city, state, postal_code, country}, location_time_zone; DELIVERY_DELAYED: reason,
  new_estimated_delivery; DELIVERY_ATTEMPTED / ADDRESS_ISSUE / DELIVERY_EXCEPTION / RETURN_TO_SENDER: reason;
  DELIVERED: signed_by (sometimes)
- SUPPORT_TICKET_OPENED: ticket_id, category, channel, subject; CUSTOMER_REPORTED_ISSUE: ticket_id, issue;
  RETURN_REQUESTED: rma_id, reason, lines; RETURN_RECEIVED: rma_id, condition; REFUND_ISSUED: rma_id, amount,
  currency; SURVEY_RESPONDED: survey_id, score, comment (sometimes)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from simulator.clock import MINUTE_US, US, hour_rng
from simulator.demand import DC, Orders, generate_orders
from simulator.lifecycle_aftercare import OrderExperience, aftercare
from simulator.lifecycle_carrier import carry
from simulator.lifecycle_context import HourContext
from simulator.lifecycle_fulfillment import dc_flow
from simulator.lifecycle_store import store_flow
from simulator.source_anomalies import UNIFORMS, draw_uniforms, inject_source_anomalies
from simulator.source_names import source_name
from simulator.truth import TRUTH_SCHEMA
from simulator.truth_sink import TruthSink
from simulator.world import World

LIFECYCLE_STAGE = 2
ANOMALY_STAGE = 3
INJECTED_SCHEMA = {
    "kind": pl.String(),
    "source": pl.String(),
    "ref": pl.String(),
    "detail": pl.String(),
    "occurred_at": pl.Datetime("us", "UTC"),
    "available_at": pl.Datetime("us", "UTC"),
}
IMPERFECTION_OF_EVENT = {
    "PICK_SHORT": "short_pick",
    "ORDER_ON_HOLD": "order_hold",
    "ORDER_CANCELLED": "cancellation",
    "ORDER_SPLIT": "split_shipment",
    "ORDER_REALLOCATED": "store_reject",
    "DELIVERY_DELAYED": "weather_delay",
    "ADDRESS_ISSUE": "address_issue",
    "DELIVERY_ATTEMPTED": "delivery_attempt",
    "DELIVERY_EXCEPTION": "damaged_parcel",
    "LOST": "lost_parcel",
    "RETURN_TO_SENDER": "return_to_sender",
}
_SWITCH_TO_DC_CARRIER = ("ups", "GND", 5)


@dataclass(frozen=True)
class HourTruth:
    truth: pl.DataFrame
    injected: pl.DataFrame


def available_delays() -> dict[str, tuple[int, int]]:
    """How long after it happens each source shows a record (before any late-arrival anomaly)."""
    return {
        "wms": (2 * US, 90 * US),
        "store_tool": (2 * US, 60 * US),
        "carrier": (1 * MINUTE_US, 20 * MINUTE_US),
        "helpdesk": (5 * US, 3 * MINUTE_US),
    }


def simulate_hour(world: World, hour: int) -> HourTruth:
    """Everything the orders placed in `hour` do, ever. A pure function of (world, hour)."""
    return simulate_hours(world, [hour])


def simulate_hours(world: World, hours: list[int]) -> HourTruth:
    """The truth of several hours at once; each hour's records are exactly those it has on its own."""
    lived = [_live_hour(world, hour) for hour in hours]
    if not lived:
        return HourTruth(
            truth=pl.DataFrame(schema=TRUTH_SCHEMA), injected=pl.DataFrame(schema=INJECTED_SCHEMA)
        )
    sinks = [sink for sink, _ in lived]
    uniforms = np.concatenate(
        [
            draw_uniforms(hour_rng(world.seed, hour, ANOMALY_STAGE), sink.rows)
            for hour, sink in zip(hours, sinks, strict=True)
        ],
        axis=1,
    )
    generation_hour = np.repeat(np.array(hours, dtype=np.int64), [sink.rows for sink in sinks])
    truth = (
        TruthSink.merged(sinks)
        .frame()
        .with_columns(
            _hour=pl.Series(generation_hour),
            **{name: pl.Series(uniforms[i]) for i, name in enumerate(UNIFORMS)},
        )
    )
    facility_zone = dict(zip(world.facility_ids.tolist(), world.facility_zone.tolist(), strict=True))
    truth = inject_source_anomalies(truth, world.parameters.source_anomalies, facility_zone)
    truth = truth.select(pl.col(name).cast(dtype) for name, dtype in TRUTH_SCHEMA.items())
    losses = [loss for _, hour_losses in lived for loss in hour_losses]
    return HourTruth(truth=truth, injected=injected_records(truth, losses))


def _live_hour(world: World, hour: int) -> tuple[TruthSink, list[tuple[np.ndarray, np.ndarray]]]:
    """Run the hour's orders through every lifecycle stage; the records stay in the returned sink."""
    orders = generate_orders(world, hour)
    rng = hour_rng(world.seed, hour, LIFECYCLE_STAGE)
    ctx = HourContext(
        world=world, orders=orders, rng=rng, sink=TruthSink(rng=rng, available_delay_us=available_delays())
    )

    at_store = store_flow(ctx, np.flatnonzero(orders.kind != DC))
    _hand_to_dc(world, orders, at_store.reallocated)
    dc_orders = np.concatenate([np.flatnonzero(orders.kind == DC), at_store.reallocated])
    dc_start = np.concatenate([orders.placed[orders.kind == DC], at_store.reallocated_at])
    dc_facility = orders.facility[dc_orders].copy()
    dc_facility[len(dc_orders) - len(at_store.reallocated) :] = world.nearest_dc[
        orders.dest[at_store.reallocated]
    ]
    parcels, dc_cancelled = dc_flow(ctx, dc_orders, dc_start, dc_facility)
    parcels = parcels.extend(at_store.shipments)
    outcome = carry(ctx, parcels)

    experience = _experience(orders, parcels, outcome, at_store, dc_orders, dc_facility)
    experience.done_at[np.concatenate([dc_cancelled, at_store.cancelled])] = 0
    aftercare(ctx, experience)
    return ctx.sink, ctx.silent_losses


def _hand_to_dc(world: World, orders: Orders, moved: np.ndarray) -> None:
    """A store-rejected order ships from a DC; a local last-mile service becomes the DC's ground service."""
    local = np.isin(orders.carrier_id[moved], list(world.parameters.demand.local_service))
    carrier, service, days = _SWITCH_TO_DC_CARRIER
    orders.carrier_id[moved[local]] = carrier
    orders.service_code[moved[local]] = service
    orders.transit_days[moved[local]] = days


def _experience(orders, parcels, outcome, at_store, dc_orders, dc_facility) -> OrderExperience:
    n = orders.count
    done_at = np.zeros(n, dtype=np.int64)
    undelivered = np.zeros(n, dtype=bool)
    np.maximum.at(done_at, parcels.order, outcome.delivered_at)
    np.logical_or.at(undelivered, parcels.order, outcome.delivered_at == 0)
    done_at[undelivered] = 0
    done_at[at_store.collected] = at_store.collected_at

    def any_of(flags: np.ndarray) -> np.ndarray:
        result = np.zeros(n, dtype=bool)
        np.logical_or.at(result, parcels.order, flags)
        return result

    facility = orders.facility.copy()
    facility[dc_orders] = dc_facility
    return OrderExperience(
        done_at=done_at,
        late=any_of(outcome.late),
        delayed=any_of(outcome.delayed),
        lost=any_of(outcome.lost),
        damaged=any_of(outcome.damaged),
        facility=facility,
    )


def injected_records(truth: pl.DataFrame, silent_losses: list[tuple[np.ndarray, np.ndarray]]) -> pl.DataFrame:
    """Ground truth: one row per injected source anomaly and per world imperfection."""
    named = truth.with_columns(source=source_name())
    anomalies = named.filter(pl.col("anomaly").is_not_null()).select(
        kind=pl.col("anomaly"),
        source="source",
        ref="record_uid",
        detail=pl.concat_str(
            pl.lit('{"event_type":"'),
            "event_type",
            pl.lit('","order_id":"'),
            "order_id",
            pl.lit('","occurred_at":"'),
            pl.col("occurred_at").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ"),
            pl.lit('"'),
            pl.when(pl.col("duplicate_of").is_not_null())
            .then(pl.lit(',"duplicate_of":"') + pl.col("duplicate_of") + pl.lit('"'))
            .otherwise(pl.lit("")),
            pl.lit("}"),
        ),
        occurred_at="occurred_at",
        available_at="available_at",
    )
    world_events = named.filter(
        pl.col("event_type").is_in(list(IMPERFECTION_OF_EVENT)) & pl.col("duplicate_of").is_null()
    ).select(
        kind=pl.col("event_type").replace_strict(IMPERFECTION_OF_EVENT),
        source="source",
        ref="record_uid",
        detail=pl.concat_str(
            pl.lit('{"event_type":"'),
            "event_type",
            pl.lit('","order_id":"'),
            "order_id",
            pl.lit('","detail":'),
            "detail",
            pl.lit("}"),
        ),
        occurred_at="occurred_at",
        available_at="available_at",
    )
    frames = [anomalies, world_events]
    tracking = np.concatenate([t for t, _ in silent_losses]) if silent_losses else np.zeros(0, dtype=object)
    if len(tracking):
        last = (
            named.filter(
                pl.col("tracking_number").is_in(tracking.tolist()) & (pl.col("source_system") == "carrier")
            )
            .sort("occurred_at")
            .group_by("tracking_number", maintain_order=True)
            .last()
            .select(
                kind=pl.lit("lost_parcel"),
                source="source",
                ref="record_uid",
                detail=pl.lit('{"tracking_number":"')
                + pl.col("tracking_number")
                + pl.lit('","declared":false}'),
                occurred_at="occurred_at",
                available_at="available_at",
            )
        )
        frames.append(last)
    return pl.concat(frames).select(pl.col(k).cast(v) for k, v in INJECTED_SCHEMA.items())
