"""UPS: Track API answers and Track Alert webhooks become canonical carrier events."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.sources.carriers import ups
from tests.pipeline.sources.carriers.carrier_fixtures import (
    api_answer,
    api_document,
    document,
    encoded,
    events_of,
    normalized,
    parse,
    rejections_of,
    webhook,
)

NUMBER = "1Z4A7W290398615727"


def _activity(**changes: object) -> dict:
    """The pickup activity of the Track API answer, changed."""
    answer = api_document("ups", "track_details.json")
    activity = answer["trackResponse"]["shipment"][0]["package"][0]["activity"][-1]
    activity.update(changes)
    answer["trackResponse"]["shipment"][0]["package"][0]["activity"] = [activity]
    return answer


def _without_gmt(date: str, time: str, state: str = "CA", postal: str = "94621") -> bytes:
    answer = _activity(date=date, time=time)
    activity = answer["trackResponse"]["shipment"][0]["package"][0]["activity"][0]
    for name in ("gmtDate", "gmtTime", "gmtOffset"):
        del activity[name]
    activity["location"]["address"].update(stateProvince=state, postalCode=postal)
    return encoded(answer)


def test_a_track_api_answer_gives_one_valid_event_per_activity() -> None:
    result = normalized("ups", api_answer("ups", "track_details.json"))

    assert result.rejections == []
    assert [(e.event_type, e.occurred_at.isoformat()) for e in result.events] == [
        ("DELIVERED", "2026-11-02T21:37:00+00:00"),
        ("OUT_FOR_DELIVERY", "2026-11-02T16:11:00+00:00"),
        ("DEPARTED_HUB", "2026-11-02T13:05:00+00:00"),
        ("ARRIVED_AT_HUB", "2026-11-02T07:48:00+00:00"),
        ("ARRIVED_AT_HUB", "2026-11-02T07:48:00+00:00"),
        ("CARRIER_PICKUP", "2026-11-02T01:02:00+00:00"),
    ]
    delivered = result.events[0]
    assert (delivered.carrier, delivered.tracking_number, delivered.order_id) == (
        "ups",
        NUMBER,
        "SO-00012345",
    )
    assert delivered.attributes["raw_code"] == "D/KB"
    assert delivered.attributes["signed_by"] == "RUIZ"
    assert delivered.attributes["location"] == {
        "city": "SAN FRANCISCO", "state": "CA", "postal_code": "94110", "country": "US",
        "time_zone": "America/Los_Angeles",
    }  # fmt: skip
    assert (delivered.local_time, delivered.utc_offset_minutes) == (datetime(2026, 11, 2, 13, 37), -480)


def test_a_not_found_answer_yields_nothing() -> None:
    assert parse("ups", api_answer("ups", "track_details_not_found.json")) == []


def test_an_unknown_code_is_rejected_and_the_activity_kept() -> None:
    body = document(webhook("ups", 2))
    body["activityStatus"]["code"] = "ZZ"

    (rejection,) = parse("ups", encoded(body))

    assert (rejection.reason_code, rejection.field, rejection.rule) == (
        "unknown_code", "activityStatus.code", "known_code",
    )  # fmt: skip
    assert "I/ZZ" in rejection.message
    assert rejection.record == body and rejection.record_index == 0


def test_the_same_code_letters_under_another_status_type_are_another_code() -> None:
    body = document(webhook("ups", 2))
    body["activityStatus"]["type"] = "X"  # X/AR is not I/AR

    assert rejections_of(parse("ups", encoded(body)))[0].reason_code == "unknown_code"


def test_a_resent_scan_with_other_wording_gets_the_same_event_id() -> None:
    (first,) = parse("ups", webhook("ups", 2))
    (resent,) = parse("ups", webhook("ups", 3))

    assert first["attributes"]["description"] != resent["attributes"]["description"]
    assert first["event_id"] == resent["event_id"] == f"{NUMBER}:I/AR:20261102T074800Z"


def test_a_scan_pushed_and_polled_gets_the_same_event_id() -> None:
    pushed = {event["event_id"] for n in range(1, 7) for event in parse("ups", webhook("ups", n))}
    polled = {event["event_id"] for event in parse("ups", api_answer("ups", "track_details.json"))}

    assert pushed == polled


def test_gmt_fields_are_the_instant_and_the_local_reading_gives_the_offset() -> None:
    (pickup,) = parse("ups", webhook("ups", 1))  # local 2026-11-01 17:02:00 in Reno, GMT 2026-11-02 01:02:00

    assert pickup["occurred_at"] == "2026-11-02T01:02:00Z"
    assert pickup["utc_offset"] == "-08:00"
    assert "flags" not in pickup


def test_without_gmt_fields_the_local_time_is_read_in_the_scan_locations_zone() -> None:
    (event,) = parse("ups", _without_gmt("20261020", "101500"))

    assert event["occurred_at"] == "2026-10-20T17:15:00Z"  # PDT
    assert event["attributes"]["location"]["time_zone"] == "America/Los_Angeles"


def test_a_local_time_in_the_autumn_fold_takes_the_first_occurrence_and_is_flagged() -> None:
    (event,) = parse("ups", _without_gmt("20261101", "013000"))

    assert (event["occurred_at"], event["flags"]) == ("2026-11-01T08:30:00Z", ["dst_fold"])


def test_a_local_time_in_the_spring_gap_is_shifted_forward_and_flagged() -> None:
    (event,) = parse("ups", _without_gmt("20260308", "023000"))

    assert (event["occurred_at"], event["flags"]) == ("2026-03-08T10:30:00Z", ["dst_gap"])


def test_a_local_time_where_no_zone_is_known_is_rejected() -> None:
    (rejection,) = parse("ups", _without_gmt("20261020", "101500", state="ZZ", postal="00000"))

    assert (rejection.reason_code, rejection.field, rejection.rule) == (
        "invalid_timestamp",
        "date",
        "zone_unknown",
    )


def test_zero_dates_are_rejected_as_epoch() -> None:
    answer = _activity(
        date="00000000", time="000000", gmtDate="00000000", gmtTime="00:00:00", gmtOffset="+00:00"
    )

    (rejection,) = parse("ups", encoded(answer))

    assert (rejection.reason_code, rejection.field, rejection.rule) == (
        "invalid_timestamp",
        "gmtDate",
        "epoch",
    )
    assert rejection.record["gmtDate"] == "00000000"


def test_a_body_that_is_not_json_or_not_ups_is_malformed() -> None:
    (not_json,) = parse("ups", b"<html>502 Bad Gateway</html>")
    (other,) = parse("ups", encoded({"hello": "world"}))

    assert (not_json.reason_code, not_json.rule) == ("malformed_payload", "json")
    assert (other.reason_code, other.rule) == ("malformed_payload", "shape")


def test_tracking_numbers_lets_the_drain_prefetch_the_shipment() -> None:
    adapter = ups.adapter("carrier:ups")

    assert adapter.tracking_numbers(api_answer("ups", "track_details.json")) == {NUMBER}
    assert adapter.tracking_numbers(webhook("ups", 4)) == {NUMBER}
    assert adapter.tracking_numbers(b"not json") == set()


def test_a_scheduled_delivery_date_goes_on_the_scan_that_announced_it() -> None:
    body = document(webhook("ups", 4))
    body["scheduledDeliveryDate"] = "20261103"

    (event,) = events_of(parse("ups", encoded(body)))

    assert event["attributes"]["estimated_delivery"] == "2026-11-03"


def test_the_instant_is_utc_whatever_the_offset() -> None:
    (event,) = parse("ups", webhook("ups", 6))

    assert datetime.fromisoformat(event["occurred_at"]) == datetime(2026, 11, 2, 21, 37, tzinfo=UTC)
