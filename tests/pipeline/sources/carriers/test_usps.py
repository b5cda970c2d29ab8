"""USPS: Tracking 3.0 answers, wall times at the event location read in that location's zone."""

from __future__ import annotations

from datetime import datetime

from tests.pipeline.sources.carriers.carrier_fixtures import (
    api_answer,
    api_document,
    encoded,
    normalized,
    parse,
)


def _event(**changes: object) -> bytes:
    answer = api_document("usps", "tracking_detail.json")
    event = answer["trackingEvents"][-1]
    event.update(changes)
    answer["trackingEvents"] = [event]
    return encoded(answer)


def test_a_tracking_answer_gives_one_valid_event_per_tracking_event() -> None:
    result = normalized("usps", api_answer("usps", "tracking_detail.json"))

    assert result.rejections == []
    assert [(e.event_type, e.occurred_at.isoformat()) for e in result.events] == [
        ("DELIVERED", "2026-10-31T18:12:05+00:00"),  # 11:12:05 in Phoenix, no DST there
        ("ARRIVED_AT_HUB", "2026-10-31T05:12:05+00:00"),
        ("CARRIER_PICKUP", "2026-10-31T00:12:05+00:00"),
    ]
    delivered = result.events[0]
    assert delivered.attributes["signed_by"] == "M. YAZZIE"
    assert (delivered.local_time, delivered.time_zone) == (
        datetime(2026, 10, 31, 11, 12, 5),
        "America/Phoenix",
    )
    assert delivered.attributes["location"]["postal_code"] == "85004"


def test_a_not_found_answer_yields_nothing() -> None:
    error = {
        "apiVersion": "v3",
        "error": {"code": "404", "message": "The tracking number X could not be found."},
    }

    assert parse("usps", encoded(error)) == []


def test_an_unknown_code_is_rejected_and_the_event_kept() -> None:
    (rejection,) = parse("usps", _event(eventCode="Q7"))

    assert (rejection.reason_code, rejection.field, rejection.rule) == (
        "unknown_code",
        "eventCode",
        "known_code",
    )
    assert rejection.record["eventCode"] == "Q7"


def test_the_zone_follows_the_event_location_not_the_shipping_store() -> None:
    (event,) = parse("usps", _event(eventState="TX", eventZIP="79901", eventTimestamp="2026-10-30T17:12:05"))

    assert event["attributes"]["location"]["time_zone"] == "America/Denver"  # El Paso keeps mountain time
    assert event["occurred_at"] == "2026-10-30T23:12:05Z"


def test_dst_edges_are_resolved_by_the_facility_time_rule_and_flagged() -> None:
    (fold,) = parse("usps", _event(eventState="IL", eventZIP="60614", eventTimestamp="2026-11-01T01:30:00"))
    (gap,) = parse("usps", _event(eventState="IL", eventZIP="60614", eventTimestamp="2026-03-08T02:30:00"))

    assert (fold["occurred_at"], fold["flags"]) == ("2026-11-01T06:30:00Z", ["dst_fold"])
    assert (gap["occurred_at"], gap["flags"]) == ("2026-03-08T08:30:00Z", ["dst_gap"])


def test_an_epoch_or_unreadable_timestamp_is_rejected() -> None:
    (epoch,) = parse("usps", _event(eventTimestamp="1970-01-01T00:00:00"))
    (garbled,) = parse("usps", _event(eventTimestamp="yesterday"))

    assert (epoch.reason_code, epoch.field, epoch.rule) == ("invalid_timestamp", "eventTimestamp", "epoch")
    assert (garbled.reason_code, garbled.rule) == ("invalid_timestamp", "format")


def test_a_foreign_location_has_no_zone_and_its_wall_time_is_rejected() -> None:
    (rejection,) = parse("usps", _event(eventCountry="CA", eventState="ON", eventZIP="M5V"))

    assert (rejection.reason_code, rejection.rule) == ("invalid_timestamp", "zone_unknown")


def test_a_resent_event_with_other_wording_gets_the_same_event_id() -> None:
    (first,) = parse("usps", _event())
    (resent,) = parse("usps", _event(eventType="Accepted at USPS Origin Facility"))

    assert first["event_id"] == resent["event_id"] == "9405511899223197428490:03:20261030T171205"
