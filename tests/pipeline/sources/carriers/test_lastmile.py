"""SwiftMile, the last-mile partner: wall times in the DESTINATION's zone, from the shipment's order."""

from __future__ import annotations

from tests.pipeline.sources.carriers.carrier_fixtures import (
    api_answer,
    document,
    encoded,
    normalized,
    parse,
    ref,
    webhook,
)

NUMBER = "SWM0000482211"


def _event(**changes: object) -> bytes:
    body = document(webhook("swiftmile", 1))
    body.update(changes)
    return encoded(body)


def test_a_parcel_events_answer_gives_one_valid_event_per_event() -> None:
    result = normalized("swiftmile", api_answer("swiftmile", "parcel_events.json"))

    assert result.rejections == []
    assert [(e.event_id, e.event_type) for e in result.events] == [
        ("sm_16385765945064676343", "CARRIER_PICKUP"),
        ("sm_1660399818834224111", "OUT_FOR_DELIVERY"),
        ("sm_3695863723138501146", "DELIVERY_EXCEPTION"),
        ("sm_1523027657985467641", "DELIVERED"),
    ]
    assert result.events[2].attributes["reason"] == "damaged"
    assert result.events[3].attributes["signed_by"] == "D. PARK"
    assert {(e.carrier, e.order_id) for e in result.events} == {("swiftmile", "SO-00012352")}


def test_a_not_found_answer_yields_nothing() -> None:
    assert parse("swiftmile", encoded({"error": "parcel_not_found", "tracking": "SWM0"})) == []


def test_an_unknown_status_code_is_rejected_and_the_event_kept() -> None:
    (rejection,) = parse("swiftmile", _event(status={"code": "SM77", "text": "Beamed"}))

    assert (rejection.reason_code, rejection.field) == ("unknown_code", "status.code")
    assert rejection.record["status"]["code"] == "SM77"


def test_local_time_is_read_in_the_destination_zone_of_the_order() -> None:
    chicago = {NUMBER: ref("SO-00012352", "ST-027", "America/Chicago")}

    (in_sf,) = parse("swiftmile", webhook("swiftmile", 1))
    (in_chicago,) = parse("swiftmile", webhook("swiftmile", 1), shipments=chicago)

    assert in_sf["occurred_at"] == "2026-10-31T14:12:05Z"  # 07:12:05 PDT
    assert in_chicago["occurred_at"] == "2026-10-31T12:12:05Z"  # 07:12:05 CDT


def test_dst_fold_and_gap_in_the_destination_zone_are_flagged() -> None:
    (fold,) = parse("swiftmile", _event(local_time="2026-11-01T01:12:05"))
    (gap,) = parse("swiftmile", _event(local_time="2026-03-08T02:12:05"))

    assert (fold["occurred_at"], fold["flags"]) == ("2026-11-01T08:12:05Z", ["dst_fold"])
    assert (gap["occurred_at"], gap["flags"]) == ("2026-03-08T10:12:05Z", ["dst_gap"])


def test_a_parcel_no_label_introduced_yet_is_parked_with_its_tracking_number() -> None:
    (rejection,) = parse("swiftmile", webhook("swiftmile", 1), shipments={})

    assert (rejection.reason_code, rejection.field, rejection.rule) == (
        "unmatched_tracking_number", "tracking_number", "known_shipment",
    )  # fmt: skip
    assert rejection.record["tracking_number"] == NUMBER


def test_an_order_without_a_destination_zone_cannot_place_the_wall_time() -> None:
    unknown_zone = {NUMBER: ref("SO-00012352", "ST-027", None)}

    (rejection,) = parse("swiftmile", webhook("swiftmile", 1), shipments=unknown_zone)

    assert (rejection.reason_code, rejection.field, rejection.rule) == (
        "invalid_timestamp", "local_time", "zone_unknown",
    )  # fmt: skip


def test_an_epoch_local_time_is_rejected() -> None:
    (rejection,) = parse("swiftmile", _event(local_time="1970-01-01T00:00:00"))

    assert (rejection.reason_code, rejection.rule) == ("invalid_timestamp", "epoch")


def test_a_resent_scan_gets_a_new_vendor_id_but_the_same_semantic_facts() -> None:
    first = parse("swiftmile", webhook("swiftmile", 1))[0]
    resent = parse("swiftmile", _event(event_id="sm_999", status={"code": "SM10", "text": "Collected"}))[0]

    assert first["event_id"] != resent["event_id"]
    assert (first["occurred_at"], first["attributes"]["raw_code"]) == (
        resent["occurred_at"], resent["attributes"]["raw_code"],
    )  # fmt: skip


def test_an_eta_date_goes_on_the_scan() -> None:
    (delayed,) = parse(
        "swiftmile", _event(status={"code": "SM61", "text": "Delayed by weather"}, eta_date="2026-11-04")
    )

    assert delayed["attributes"]["new_estimated_delivery"] == "2026-11-04"
