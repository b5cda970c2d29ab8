"""DHL eCommerce: Shipment Tracking - Unified answers become canonical events."""

from __future__ import annotations

from datetime import datetime

from tests.pipeline.sources.carriers.carrier_fixtures import (
    api_answer,
    api_document,
    encoded,
    normalized,
    parse,
)


def test_a_shipments_answer_gives_one_valid_event_per_event() -> None:
    result = normalized("dhl", api_answer("dhl", "shipments.json"))

    assert result.rejections == []
    assert [e.event_type for e in result.events] == ["DELIVERY_DELAYED", "IN_TRANSIT", "CARRIER_PICKUP"]
    delayed = result.events[0]
    assert delayed.attributes["reason"] == "weather"
    assert delayed.attributes["raw_code"] == "transit/WEATHER DELAY"
    assert (
        delayed.attributes["new_estimated_delivery"] == "2026-11-04"
    )  # the estimate goes on the newest scan
    assert delayed.attributes["location"] == {
        "city": "COLUMBUS", "state": "OH", "postal_code": "43215", "country": "US", "time_zone": "America/New_York",
    }  # fmt: skip
    assert (delayed.local_time, delayed.utc_offset_minutes) == (datetime(2026, 11, 1, 5, 12, 5), -300)


def test_a_not_found_problem_document_yields_nothing() -> None:
    assert parse("dhl", api_answer("dhl", "not_found.json")) == []


def test_an_unknown_status_is_rejected_and_the_event_kept() -> None:
    answer = api_document("dhl", "shipments.json")
    answer["shipments"][0]["events"][1]["status"] = "TELEPORTED"

    parsed = parse("dhl", encoded(answer))

    (rejection,) = [item for item in parsed if not isinstance(item, dict)]
    assert (rejection.reason_code, rejection.field, rejection.rule, rejection.record_index) == (
        "unknown_code", "status", "known_code", 1,
    )  # fmt: skip
    assert rejection.record["status"] == "TELEPORTED"
    assert len(parsed) == 3  # the other two events still load


def test_a_locality_of_another_shape_is_kept_as_the_city() -> None:
    answer = api_document("dhl", "shipments.json")
    answer["shipments"][0]["events"] = answer["shipments"][0]["events"][-1:]
    answer["shipments"][0]["events"][0]["location"]["address"]["addressLocality"] = "Obetz"

    (event,) = parse("dhl", encoded(answer))

    assert event["attributes"]["location"]["city"] == "Obetz"
    assert "state" not in event["attributes"]["location"]


def test_a_scan_that_is_not_an_object_is_rejected_and_the_others_load() -> None:
    answer = api_document("dhl", "shipments.json")
    answer["shipments"][0]["events"].insert(0, "PICKED UP")

    parsed = parse("dhl", encoded(answer))

    (rejection,) = [item for item in parsed if not isinstance(item, dict)]
    assert (rejection.reason_code, rejection.record, rejection.record_index) == (
        "malformed_payload",
        "PICKED UP",
        0,
    )
    assert len(parsed) == 4
