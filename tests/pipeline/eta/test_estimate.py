"""The estimate of one shipment from its facts (pure): lane model, service-level fallback, carrier dates,
delays, and the promise kept beside every estimate. DC-RNO is in Los Angeles' zone; the parcels go to
Chicago. November 2026: the 1st is a Sunday, the 11th (Veterans Day) and 26th (Thanksgiving) are holidays."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from pipeline.eta.estimate import CarrierSignals, ShipmentFacts, carrier_signals, estimate_shipment
from pipeline.eta.lanes import LaneDistribution
from pipeline.eta.policy import load_policy

RENO = ZoneInfo("America/Los_Angeles")
CHICAGO = ZoneInfo("America/Chicago")
POLICY = load_policy()
PROMISE = datetime(2026, 11, 9, 23, 59, tzinfo=CHICAGO)
BUSY_LANE = LaneDistribution.from_hours(np.linspace(40, 56, 30).tolist())  # median 48 working hours
THIN_LANE = LaneDistribution.from_hours([30, 31, 32, 33, 34])


def facts(picked_up: datetime | None, **changes) -> ShipmentFacts:
    base = ShipmentFacts(
        shipment_id="SO-1-1",
        order_id="SO-1",
        facility_id="DC-RNO",
        carrier_id="ups",
        service_code="GND",
        destination_postal_code="60614",
        destination_time_zone="America/Chicago",
        promised_delivery_by=PROMISE,
        label_printed_at=(picked_up or datetime(2026, 11, 2, 12, tzinfo=RENO)) - timedelta(hours=3),
        carrier_pickup_at=picked_up,
    )
    return replace(base, **changes)


def local_day(instant: datetime) -> date:
    return instant.astimezone(CHICAGO).date()


def window_days(estimate) -> tuple[date, date]:
    return local_day(estimate.window_start), local_day(estimate.window_end - timedelta(microseconds=1))


def test_a_busy_lane_gives_pickup_plus_its_median_working_hours_and_a_p10_p90_window() -> None:
    picked_up = datetime(2026, 11, 2, 18, tzinfo=RENO)  # Monday evening

    estimate = estimate_shipment(facts(picked_up), BUSY_LANE, POLICY, now=picked_up)

    assert estimate.source == "lane_model"
    assert estimate.likely_at == datetime(2026, 11, 4, 18, tzinfo=RENO)  # +48 h, no day off between
    assert window_days(estimate) == (date(2026, 11, 4), date(2026, 11, 5))
    assert estimate.window_start.astimezone(CHICAGO).time().hour == 0  # whole local days
    assert estimate.promised_delivery_by == PROMISE
    assert estimate.basis["lane_samples"] == 30
    assert estimate.basis["lane"] == "ups/GND/DC-RNO->606"


@pytest.mark.parametrize(
    ("picked_up", "likely"),
    [
        # Saturday evening: Sunday is not a delivery day, so 48 working hours end on Tuesday.
        (datetime(2026, 11, 7, 18, tzinfo=RENO), datetime(2026, 11, 10, 18, tzinfo=RENO)),
        # The eve of Thanksgiving: the holiday does not count either.
        (datetime(2026, 11, 25, 18, tzinfo=RENO), datetime(2026, 11, 28, 18, tzinfo=RENO)),
    ],
)
def test_days_off_and_holidays_do_not_count_as_transit(picked_up: datetime, likely: datetime) -> None:
    estimate = estimate_shipment(facts(picked_up), BUSY_LANE, POLICY, now=picked_up)

    assert estimate.likely_at == likely


def test_a_thin_lane_falls_back_to_the_service_level_committed_business_days() -> None:
    picked_up = datetime(2026, 11, 2, 18, tzinfo=RENO)

    estimate = estimate_shipment(facts(picked_up), THIN_LANE, POLICY, now=picked_up)

    # UPS Ground commits 5 business days: Tue 3 … Mon 9; deliveries may come from the next day on.
    assert estimate.source == "service_level"
    assert window_days(estimate) == (date(2026, 11, 3), date(2026, 11, 9))
    assert estimate.likely_at == datetime(2026, 11, 9, 14, 30, tzinfo=CHICAGO)
    assert estimate.basis["committed_date"] == "2026-11-09"
    assert estimate.basis["lane_samples"] == 5
    assert estimate_shipment(facts(picked_up), None, POLICY, now=picked_up).source == "service_level"


def test_before_the_pickup_scan_the_pickup_is_projected_to_the_next_cut_off() -> None:
    labelled = datetime(2026, 11, 2, 18, 30, tzinfo=RENO)  # after UPS's 17:00 cut-off

    estimate = estimate_shipment(
        facts(None, label_printed_at=labelled), BUSY_LANE, POLICY, now=labelled + timedelta(minutes=5)
    )

    assert estimate.basis["pickup"] == "projected"
    assert estimate.basis["pickup_at"] == datetime(2026, 11, 3, 17, tzinfo=RENO).astimezone(UTC).isoformat()
    assert estimate.likely_at == datetime(2026, 11, 5, 17, tzinfo=RENO)


def test_the_carriers_new_date_after_a_delay_wins_and_the_promise_stays() -> None:
    picked_up = datetime(2026, 11, 2, 18, tzinfo=RENO)
    delay = datetime(2026, 11, 4, 9, tzinfo=CHICAGO)
    signals = carrier_signals(
        [("DELIVERY_DELAYED", delay, {"new_estimated_delivery": "2026-11-10", "reason": "weather"})]
    )

    estimate = estimate_shipment(facts(picked_up, signals=signals), BUSY_LANE, POLICY, now=delay)

    assert estimate.source == "carrier"
    assert window_days(estimate) == (date(2026, 11, 10), date(2026, 11, 10))
    assert estimate.likely_at == datetime(2026, 11, 10, 14, 30, tzinfo=CHICAGO)
    assert estimate.basis == {"carrier_date": "2026-11-10", "carrier_event": "DELIVERY_DELAYED"}
    assert estimate.promised_delivery_by == PROMISE


def test_a_carrier_date_whose_day_has_ended_gives_way_to_the_model() -> None:
    picked_up = datetime(2026, 11, 2, 18, tzinfo=RENO)
    signals = carrier_signals([("IN_TRANSIT", picked_up, {"estimated_delivery": "2026-11-03"})])
    now = datetime(2026, 11, 3, 22, tzinfo=CHICAGO)  # after the delivery day's end (21:00)

    estimate = estimate_shipment(facts(picked_up, signals=signals), BUSY_LANE, POLICY, now=now)

    assert estimate.source == "lane_model"


def test_a_delay_without_a_date_moves_the_likely_day_and_the_windows_end_one_working_day() -> None:
    picked_up = datetime(2026, 11, 2, 18, tzinfo=RENO)
    delay = datetime(2026, 11, 3, 9, tzinfo=CHICAGO)
    plain = estimate_shipment(facts(picked_up), BUSY_LANE, POLICY, now=delay)
    signals = CarrierSignals(latest_scan="DELIVERY_DELAYED", latest_scan_at=delay, delayed_at=delay)

    delayed = estimate_shipment(facts(picked_up, signals=signals), BUSY_LANE, POLICY, now=delay)

    assert delayed.source == "lane_model"
    assert delayed.likely_at == plain.likely_at + timedelta(days=1)
    assert delayed.window_start == plain.window_start
    assert window_days(delayed)[1] == window_days(plain)[1] + timedelta(days=1)
    assert delayed.basis["delay_days_added"] == 1


def test_a_parcel_still_travelling_past_the_lanes_p90_is_expected_later_never_in_the_past() -> None:
    picked_up = datetime(2026, 11, 2, 18, tzinfo=RENO)
    now = picked_up + timedelta(hours=60)  # longer than any delivery on the lane took

    estimate = estimate_shipment(facts(picked_up), BUSY_LANE, POLICY, now=now)

    assert estimate.source == "lane_model"
    assert estimate.likely_at > now
    assert estimate.window_end > now
    assert estimate.basis["elapsed_working_hours"] == 60.0


def test_delivered_is_the_fact_and_a_lost_parcel_has_no_estimate() -> None:
    picked_up = datetime(2026, 11, 2, 18, tzinfo=RENO)
    delivered_at = datetime(2026, 11, 5, 15, tzinfo=CHICAGO)

    delivered = estimate_shipment(
        facts(picked_up, delivered_at=delivered_at), BUSY_LANE, POLICY, delivered_at
    )
    lost = estimate_shipment(
        facts(picked_up, signals=CarrierSignals(latest_scan="LOST", latest_scan_at=delivered_at)),
        BUSY_LANE, POLICY, delivered_at,
    )  # fmt: skip

    assert (delivered.source, delivered.likely_at) == ("delivered", delivered_at)
    assert (lost.source, lost.likely_at, lost.basis) == ("none", None, {"stopped": "LOST"})
    assert lost.promised_delivery_by == PROMISE


def test_an_unknown_service_keeps_the_promise_as_the_estimate() -> None:
    picked_up = datetime(2026, 11, 2, 18, tzinfo=RENO)

    estimate = estimate_shipment(facts(picked_up, service_code="TELEPORT"), None, POLICY, now=picked_up)

    assert (estimate.source, estimate.likely_at) == ("promise", PROMISE)


def test_after_a_failed_attempt_the_next_delivery_day_is_expected() -> None:
    picked_up = datetime(2026, 11, 2, 18, tzinfo=RENO)
    attempt = datetime(2026, 11, 7, 15, tzinfo=CHICAGO)  # Saturday: the next delivery day is Monday
    signals = CarrierSignals(latest_scan="DELIVERY_ATTEMPTED", latest_scan_at=attempt)

    estimate = estimate_shipment(facts(picked_up, signals=signals), BUSY_LANE, POLICY, now=attempt)

    assert window_days(estimate) == (date(2026, 11, 9), date(2026, 11, 9))
    assert estimate.basis["after_attempt_at"] == attempt.isoformat()


def test_a_scan_date_that_is_not_a_date_is_ignored_not_fatal() -> None:
    at = datetime(2026, 11, 3, 9, tzinfo=CHICAGO)

    signals = carrier_signals([("IN_TRANSIT", at, {"estimated_delivery": "soon"})])

    assert (signals.latest_scan, signals.carrier_date) == ("IN_TRANSIT", None)
