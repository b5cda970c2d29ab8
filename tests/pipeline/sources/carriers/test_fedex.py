"""FedEx: Track API answers (30 numbers a request) and one-scan webhooks become canonical events."""

from __future__ import annotations

from datetime import datetime

from tests.pipeline.sources.carriers.carrier_fixtures import (
    api_answer,
    document,
    encoded,
    normalized,
    parse,
    webhook,
)

NUMBER = "794619838472"


def test_a_track_answer_gives_the_known_numbers_scans_and_skips_the_unknown_number() -> None:
    result = normalized("fedex", api_answer("fedex", "track_response.json"))

    assert result.rejections == []
    assert [e.event_type for e in result.events] == [
        "DELIVERED", "DELIVERY_ATTEMPTED", "OUT_FOR_DELIVERY", "CARRIER_PICKUP",
    ]  # fmt: skip
    attempt = result.events[1]
    assert attempt.attributes["reason"] == "recipient_unavailable"
    assert attempt.attributes["raw_code"] == "DE/08"
    assert (
        attempt.attributes["description"] == "Delivery exception: Customer not available or business closed"
    )
    assert result.events[0].attributes["signed_by"] == "K. OKAFOR"
    assert {e.tracking_number for e in result.events} == {NUMBER}


def test_a_not_found_result_or_a_request_error_yields_nothing() -> None:
    answer = document(api_answer("fedex", "track_response.json"))
    answer["output"]["completeTrackResults"] = answer["output"]["completeTrackResults"][1:]

    assert parse("fedex", encoded(answer)) == []
    assert parse("fedex", encoded({"errors": [{"code": "UNAUTHORIZED", "message": "no"}]})) == []


def test_an_unknown_code_pair_is_rejected_and_the_scan_kept() -> None:
    body = document(webhook("fedex", 3))
    body["scanEvent"]["exceptionCode"] = "999"

    (rejection,) = parse("fedex", encoded(body))

    assert (rejection.reason_code, rejection.field, rejection.rule) == (
        "unknown_code",
        "eventType",
        "known_code",
    )
    assert rejection.record == body["scanEvent"]


def test_the_same_event_type_means_another_thing_with_another_exception_code() -> None:
    attempt = document(webhook("fedex", 3))
    address = document(webhook("fedex", 3))
    address["scanEvent"]["exceptionCode"] = "03"

    assert parse("fedex", encoded(attempt))[0]["event_type"] == "DELIVERY_ATTEMPTED"
    (event,) = parse("fedex", encoded(address))
    assert (event["event_type"], event["attributes"]["reason"]) == ("ADDRESS_ISSUE", "bad_address")


def test_offsets_are_taken_as_given_and_kept_as_the_local_reading() -> None:
    result = normalized("fedex", webhook("fedex", 1))  # 2026-10-31T00:12:05-04:00 in Obetz, OH

    (pickup,) = result.events
    assert pickup.occurred_at.isoformat() == "2026-10-31T04:12:05+00:00"
    assert (pickup.local_time, pickup.utc_offset_minutes) == (datetime(2026, 10, 31, 0, 12, 5), -240)


def test_a_local_time_labelled_z_is_taken_as_written_and_its_offset_kept_for_data_quality() -> None:
    (delivered,) = normalized("fedex", webhook("fedex", 4)).events  # the sample's wrong-offset fault

    assert delivered.occurred_at.isoformat() == "2026-11-02T04:12:05+00:00"
    assert (delivered.utc_offset_minutes, delivered.time_zone) == (0, "America/New_York")


def test_a_date_without_an_offset_is_rejected() -> None:
    body = document(webhook("fedex", 2))
    body["scanEvent"]["date"] = "2026-11-01T04:12:05"

    (rejection,) = parse("fedex", encoded(body))

    assert (rejection.reason_code, rejection.field, rejection.rule) == (
        "invalid_timestamp", "date", "offset_required",
    )  # fmt: skip


def test_an_epoch_date_is_rejected() -> None:
    body = document(webhook("fedex", 2))
    body["scanEvent"]["date"] = "1970-01-01T00:00:00Z"

    (rejection,) = parse("fedex", encoded(body))

    assert (rejection.reason_code, rejection.rule) == ("invalid_timestamp", "epoch")


def test_pushed_and_polled_copies_of_a_scan_share_their_event_id() -> None:
    pushed = {parse("fedex", webhook("fedex", n))[0]["event_id"] for n in range(1, 5)}
    polled = {event["event_id"] for event in parse("fedex", api_answer("fedex", "track_response.json"))}

    assert pushed == polled
