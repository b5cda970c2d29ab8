"""OnTrac through EasyPost-style trackers: every webhook re-sends the whole history."""

from __future__ import annotations

from tests.pipeline.sources.carriers.carrier_fixtures import (
    api_answer,
    document,
    encoded,
    normalized,
    parse,
    webhook,
)


def test_a_tracker_answer_gives_one_valid_event_per_tracking_detail_for_ontrac() -> None:
    result = normalized("ontrac", api_answer("ontrac", "tracker_by_tracking_code.json"))

    assert result.rejections == []
    assert [e.event_type for e in result.events] == [
        "CARRIER_PICKUP", "ARRIVED_AT_HUB", "OUT_FOR_DELIVERY", "DELIVERED",
    ]  # fmt: skip
    assert {(e.source, e.carrier) for e in result.events} == {("carrier:ontrac", "ontrac")}
    assert result.events[-1].attributes["signed_by"] == "L. CHEN"


def test_the_last_webhook_carries_every_earlier_scan_with_the_same_ids() -> None:
    earlier = {event["event_id"] for n in range(1, 4) for event in parse("ontrac", webhook("ontrac", n))}
    last = [event["event_id"] for event in parse("ontrac", webhook("ontrac", 4))]

    assert len(last) == 4 and earlier < set(last)


def test_a_single_tracker_and_a_not_found_answer() -> None:
    tracker = document(api_answer("ontrac", "tracker_by_tracking_code.json"))["trackers"][0]
    not_found = {"error": {"code": "NOT_FOUND", "message": "The requested resource could not be found."}}

    assert len(parse("ontrac", encoded(tracker))) == 4
    assert parse("ontrac", encoded({"trackers": [], "has_more": False})) == []
    assert parse("ontrac", encoded(not_found)) == []


def test_an_unknown_carrier_code_is_rejected_and_the_detail_kept() -> None:
    body = document(webhook("ontrac", 1))
    body["result"]["tracking_details"][0]["carrier_code"] = "ZZ"

    (rejection,) = parse("ontrac", encoded(body))

    assert (rejection.reason_code, rejection.field) == ("unknown_code", "carrier_code")
    assert rejection.record == body["result"]["tracking_details"][0]


def test_a_detail_without_the_carriers_code_is_missing_a_field() -> None:
    body = document(webhook("ontrac", 1))
    del body["result"]["tracking_details"][0]["carrier_code"]

    (rejection,) = parse("ontrac", encoded(body))

    assert (rejection.reason_code, rejection.field, rejection.rule) == (
        "missing_field",
        "carrier_code",
        "required",
    )


def test_an_event_about_something_else_than_a_tracker_is_malformed() -> None:
    (rejection,) = parse("ontrac", encoded({"object": "Event", "description": "batch.created", "result": {}}))

    assert (rejection.reason_code, rejection.rule) == ("malformed_payload", "shape")


def test_utc_times_are_shown_in_the_scan_locations_zone() -> None:
    result = normalized("ontrac", webhook("ontrac", 4))

    delivered = result.events[-1]  # 09:12:05Z is 01:12:05 PST, the second 1 a.m. of 2026-11-01
    assert (delivered.time_zone, delivered.utc_offset_minutes, delivered.flags) == (
        "America/Los_Angeles", -480, ("dst_fold",),
    )  # fmt: skip
