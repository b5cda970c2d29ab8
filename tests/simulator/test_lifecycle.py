"""The simulated world's ground truth: deterministic per (seed, volume, hour), with the configured mix and
imperfection rates, and lifecycles in a possible order."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from simulator.clock import hour_index
from simulator.lifecycle import IMPERFECTION_OF_EVENT, simulate_hour, simulate_hours
from simulator.parameters import load_parameters
from simulator.truth import ANOMALY_KINDS
from simulator.world import load_world

START = datetime(2026, 11, 16, 0, tzinfo=UTC)
HOURS = list(range(hour_index(START), hour_index(START) + 72))
RATES = load_parameters()


@pytest.fixture(scope="module")
def truth() -> pl.DataFrame:
    """Three days of a 60,000 orders/month world."""
    return simulate_hours(load_world(11, 60_000), HOURS).truth


@pytest.fixture(scope="module")
def received(truth: pl.DataFrame) -> pl.DataFrame:
    """The first ORDER_RECEIVED of each order, with its detail decoded."""
    first = (
        truth.filter(pl.col("event_type") == "ORDER_RECEIVED")
        .sort("occurred_at")
        .group_by("order_id")
        .first()
    )
    return first.with_columns(
        channel=pl.col("detail").str.json_path_match("$.channel"),
        fulfillment=pl.col("detail").str.json_path_match("$.fulfillment"),
    )


def test_the_same_seed_gives_the_same_world_and_another_seed_another():
    world = load_world(5, 20_000)
    first = simulate_hours(world, HOURS[:3]).truth
    again = simulate_hours(world, HOURS[:3]).truth
    other = simulate_hours(load_world(6, 20_000), HOURS[:3]).truth
    assert first.height > 0
    assert first.hash_rows().sum() == again.hash_rows().sum()
    assert first.equals(again)
    assert not first.equals(other)


def test_an_hour_is_the_same_alone_or_in_a_batch():
    world = load_world(5, 20_000)
    batch = simulate_hours(world, HOURS[10:13])
    alone = pl.concat([simulate_hour(world, hour).truth for hour in HOURS[10:13]])
    key = ["record_uid"]
    assert batch.truth.sort(key).equals(alone.sort(key))


def test_order_ids_and_record_ids_are_unique(truth: pl.DataFrame):
    assert truth["record_uid"].is_duplicated().sum() == 0
    assert truth.filter(pl.col("event_type") == "LABEL_PRINTED")["tracking_number"].is_duplicated().sum() == 0


def test_channel_and_fulfillment_mix_follow_the_parameters(received: pl.DataFrame):
    orders = received.height
    assert orders > 4_000
    channel = dict(received["channel"].value_counts().iter_rows())
    for name, share in RATES.demand.channel_mix.items():
        assert channel[name] / orders == pytest.approx(share, abs=0.03), name
    pickup = received.filter(pl.col("fulfillment") == "store_pickup").height / orders
    at_dc = received.filter(pl.col("source_system") == "wms").height / orders
    assert pickup == pytest.approx(RATES.demand.fulfillment_mix["store_pickup"], abs=0.02)
    assert at_dc == pytest.approx(RATES.demand.fulfillment_mix["dc"], abs=0.03)


def test_short_picks_happen_on_the_configured_share_of_lines(truth: pl.DataFrame):
    first_pass = truth.filter(
        pl.col("event_type").is_in(["ITEM_PICKED", "PICK_SHORT"]) & ~pl.col("record_uid").str.ends_with("R")
    )
    shorts = first_pass.filter(pl.col("event_type") == "PICK_SHORT").height
    assert shorts / first_pass.height == pytest.approx(RATES.imperfections.short_pick_line_rate, abs=0.006)


def test_duplicate_and_out_of_order_scans_follow_the_configured_rates(truth: pl.DataFrame):
    scans = truth.filter(pl.col("source_system") == "carrier")
    originals = scans.filter(pl.col("duplicate_of").is_null()).height
    duplicates = scans.filter(pl.col("anomaly") == "duplicate_resend")
    assert duplicates.height / originals == pytest.approx(
        RATES.source_anomalies.duplicate_scan_rate, abs=0.006
    )
    assert duplicates["duplicate_of"].is_in(scans["record_uid"].implode()).all()
    late_scans = scans.filter(pl.col("anomaly") == "out_of_order").height
    assert late_scans / originals == pytest.approx(RATES.source_anomalies.out_of_order_scan_rate, abs=0.012)


def test_invalid_timestamps_and_late_records_follow_the_configured_rates(truth: pl.DataFrame):
    invalid = truth.filter(pl.col("anomaly").str.starts_with("invalid_timestamp:")).height
    assert invalid / truth.height == pytest.approx(RATES.source_anomalies.invalid_timestamp_rate, abs=0.0015)
    kinds = set(truth.filter(pl.col("anomaly").str.starts_with("invalid_timestamp:"))["anomaly"])
    assert kinds == set(RATES.source_anomalies.invalid_timestamp_kinds)
    late = truth.filter(pl.col("anomaly") == "late_arrival")
    assert late.height / truth.height == pytest.approx(RATES.source_anomalies.late_arrival_rate, abs=0.004)
    hours = (late["available_at"] - late["occurred_at"]).dt.total_seconds() / 3600
    assert hours.min() >= RATES.source_anomalies.late_arrival_hours[0] * 0.99


def test_weather_delays_hit_a_plausible_share_of_parcels_with_a_new_estimate(truth: pl.DataFrame):
    parcels = truth.filter(pl.col("event_type") == "CARRIER_PICKUP", pl.col("duplicate_of").is_null()).height
    delayed = truth.filter(pl.col("event_type") == "DELIVERY_DELAYED", pl.col("duplicate_of").is_null())
    assert 0.005 < delayed.height / parcels < 0.15
    assert (delayed["detail"].str.json_path_match("$.reason") == "weather").all()
    assert (
        delayed["detail"]
        .str.json_path_match("$.new_estimated_delivery")
        .str.contains(r"^\d{4}-\d{2}-\d{2}$")
        .all()
    )


def test_nothing_is_visible_before_it_happens(truth: pl.DataFrame):
    assert (truth["available_at"] >= truth["occurred_at"]).all()


def test_no_parcel_is_delivered_before_its_pickup_or_picked_before_its_order(truth: pl.DataFrame):
    real = truth.filter(pl.col("duplicate_of").is_null())
    firsts = real.group_by("tracking_number", "event_type").agg(pl.col("occurred_at").min())
    pivot = firsts.pivot(on="event_type", index="tracking_number", values="occurred_at")
    delivered = pivot.filter(pl.col("DELIVERED").is_not_null())
    assert delivered.height > 1000
    assert (delivered["DELIVERED"] > delivered["CARRIER_PICKUP"]).all()
    assert (delivered["CARRIER_PICKUP"] > delivered["LABEL_PRINTED"]).all()
    per_order = (
        real.group_by("order_id", "event_type")
        .agg(pl.col("occurred_at").min())
        .pivot(on="event_type", index="order_id", values="occurred_at")
    )
    picked = per_order.filter(pl.col("PICK_STARTED").is_not_null())
    assert (picked["PICK_STARTED"] > picked["ORDER_RECEIVED"]).all()


def test_every_record_of_the_contract_types_is_produced(truth: pl.DataFrame):
    produced = set(truth["event_type"])
    for event_type in (
        "ORDER_SPLIT",
        "ORDER_REALLOCATED",
        "RETURN_RECEIVED",
        "REFUND_ISSUED",
        "SURVEY_RESPONDED",
        "HELD_FOR_PICKUP",
        "ADDRESS_ISSUE",
        "DELIVERY_ATTEMPTED",
        "CUSTOMER_PICKED_UP",
        "ORDER_ON_HOLD",
    ):
        assert event_type in produced, event_type


def test_every_injected_anomaly_is_in_the_ground_truth():
    result = simulate_hours(load_world(11, 60_000), HOURS[:24])
    marked = result.truth.filter(pl.col("anomaly").is_not_null())
    assert set(marked["record_uid"]) <= set(result.injected["ref"])
    assert set(result.injected["kind"]) <= set(ANOMALY_KINDS) | set(IMPERFECTION_OF_EVENT.values())
    assert {"short_pick", "weather_delay", "duplicate_resend"} <= set(result.injected["kind"])
    assert (result.injected["source"].str.contains(r"^(wms:DC-|stores$|carrier:|helpdesk$)")).all()


def test_records_fall_in_the_repeated_autumn_hour_at_the_reno_night_shift():
    """2026-11-01 01:00-02:00 happens twice in Reno: 08:00-09:00 UTC (PDT) and 09:00-10:00 UTC (PST)."""
    first = hour_index(datetime(2026, 10, 31, 18, tzinfo=UTC))
    truth = simulate_hours(load_world(11, 120_000), list(range(first, first + 16))).truth
    reno = truth.filter((pl.col("source_system") == "wms") & (pl.col("facility_id") == "DC-RNO"))
    hours = reno["occurred_at"].dt.hour()
    day = reno["occurred_at"].dt.day()
    assert ((day == 1) & (hours == 8)).sum() > 0
    assert ((day == 1) & (hours == 9)).sum() > 0


def test_the_dst_gap_kind_appears_only_on_a_spring_forward_day():
    world = load_world(11, 120_000)
    spring = hour_index(datetime(2027, 3, 14, 12, tzinfo=UTC))
    on_the_day = simulate_hours(world, list(range(spring, spring + 6))).truth
    ordinary = simulate_hours(world, HOURS[:6]).truth
    assert (on_the_day["anomaly"] == "invalid_timestamp:nonexistent_local").sum() > 0
    assert (ordinary["anomaly"] == "invalid_timestamp:nonexistent_local").sum() == 0
