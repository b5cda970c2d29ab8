"""The WMS change log of each DC becomes canonical events: its own codes, its wall clock, its seq."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.canonical import validate_event
from pipeline.sources.base import ParseContext, Rejection
from pipeline.sources.wms import adapter
from pipeline.sources.wms_install import wms_install
from simulator.sources.wms import wms_install as simulator_install
from tests.canonical_factory import REGISTRY, ZONES

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DCS = ("DC-RNO", "DC-CMH")


def fixture(facility_id: str) -> bytes:
    return (FIXTURES / f"wms_{facility_id.lower().replace('-', '_')}" / "change_log.json").read_bytes()


def parse(payload: bytes | list, facility_id: str = "DC-RNO") -> list:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    context = ParseContext(f"wms:{facility_id}", datetime.now(UTC), ZONES)
    return list(adapter(f"wms:{facility_id}").parse(data, context))


def events(payload: bytes | list, facility_id: str = "DC-RNO") -> list[dict]:
    return [item for item in parse(payload, facility_id) if not isinstance(item, Rejection)]


def rejections(payload: bytes | list, facility_id: str = "DC-RNO") -> list[Rejection]:
    return [item for item in parse(payload, facility_id) if isinstance(item, Rejection)]


def row(txn_code: str, txn_ts: str = "2026-10-30 11:12:05", **columns) -> dict:
    base = {"seq": 1, "txn_code": txn_code, "txn_ts": txn_ts, "whse": "RNO1", "order_no": "SO-00099999",
            "line_no": None, "sku": None, "qty": None, "user_id": None, "carton_id": None,
            "ref_1": None, "ref_2": None, "ref_3": None, "details": None}  # fmt: skip
    return {**base, **columns}


def test_a_reno_page_becomes_events_keyed_by_seq_in_the_dcs_wall_clock() -> None:
    parsed = events(fixture("DC-RNO"))

    assert [e["event_id"] for e in parsed] == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "11", "12"]
    assert all(e["sequence"] == int(e["event_id"]) for e in parsed)
    assert {(e["source"], e["facility_id"], e["order_id"]) for e in parsed} == {
        ("wms:DC-RNO", "DC-RNO", "SO-00012345")
    }
    received = parsed[0]
    assert received["event_type"] == "ORDER_RECEIVED"
    assert received["occurred_at"] == "2026-10-30T18:12:05Z"  # 11:12:05 PDT
    assert "flags" not in received
    for event in parsed:
        validate_event(event, REGISTRY, ZONES)


def test_the_order_download_becomes_the_order_received_facts_without_the_customers_name() -> None:
    attributes = events(fixture("DC-RNO"))[0]["attributes"]

    assert attributes == {
        "channel": "web",
        "fulfillment": "ship",
        "promised_delivery_by": "2026-11-04T07:59:59Z",
        "ship_by": "2026-10-31T00:00:00Z",
        "destination": {"postal_code": "94110", "country": "US", "time_zone": "America/Los_Angeles",
                        "city": "San Francisco", "state": "CA"},
        "customer": {"email": "so-00012345@example.com", "phone": "+14155550142"},
        "lines": [{"line_no": 1, "sku": "WP-100037", "qty": 1, "uom": "EA"},
                  {"line_no": 2, "sku": "WP-100412", "qty": 2, "uom": "EA"}],
        "order_value": {"amount": 84.97, "currency": "USD"},
    }  # fmt: skip
    assert "Ana Ruiz" not in json.dumps(attributes)


def test_label_maps_the_installs_carrier_code_and_weight_unit() -> None:
    reno = next(e for e in events(fixture("DC-RNO")) if e["event_type"] == "LABEL_PRINTED")
    columbus = next(e for e in events(fixture("DC-CMH"), "DC-CMH") if e["event_type"] == "LABEL_PRINTED")

    assert reno["attributes"] == {"carrier": "ups", "service_level": "GND", "tracking_number": "1Z4A7W290398615727",
                                  "weight_kg": 1.42}  # fmt: skip  # 3.13 lb
    assert (reno["shipment_id"], reno["carrier"], reno["tracking_number"]) == (
        "SO-00012345-1",
        "ups",
        "1Z4A7W290398615727",
    )
    assert (
        columbus["attributes"]["carrier"] == "fedex" and columbus["attributes"]["weight_kg"] == 0.8
    )  # kg as written


def test_short_pick_keeps_the_quantity_picked_and_the_quantity_missing() -> None:
    short = next(e for e in events(fixture("DC-RNO")) if e["event_type"] == "PICK_SHORT")

    assert short["attributes"] == {
        "sku": "WP-100412",
        "qty": 1,
        "qty_short": 1,
        "line_no": 2,
        "operator_id": "RNO-P017",
    }


def test_hold_and_return_qualifiers_come_from_the_code_table() -> None:
    hold = next(e for e in events(fixture("DC-CMH"), "DC-CMH") if e["event_type"] == "ORDER_ON_HOLD")
    returned = next(e for e in events(fixture("DC-RNO")) if e["event_type"] == "RETURN_RECEIVED")

    assert hold["attributes"] == {"reason": "address_verification"}
    assert hold["occurred_at"] == "2026-10-30T19:14:05Z"  # 15:14:05 EDT in Columbus
    assert returned["attributes"] == {"rma_id": "RMA-00012345", "condition": "resellable",
                                      "lines": [{"line_no": 1, "sku": "WP-100037", "qty": 1}]}  # fmt: skip


def test_a_hold_reason_the_table_does_not_list_is_other_with_the_raw_reason_in_the_note() -> None:
    (hold,) = events([row("HOLD", ref_1="LEGAL_REVIEW")])

    assert hold["attributes"] == {"reason": "other", "note": "WMS ref_1 LEGAL_REVIEW"}


@pytest.mark.parametrize("facility_id", DCS)
def test_every_code_the_simulated_wms_writes_maps_to_the_same_event_type(facility_id: str) -> None:
    theirs = simulator_install(facility_id)
    ours = wms_install(facility_id)

    for entry in theirs.entries:
        meaning, _ = ours.meaning(entry.txn_code, None)
        assert meaning is not None, f"{facility_id} code {entry.txn_code} is unmapped"
        assert meaning.event_type == entry.event_type
    assert {ours.header.carriers[code]: code for code in ours.header.carriers} == {
        carrier: code for carrier, code in theirs.carrier_codes.items()
    }
    assert ours.header.whse == theirs.whse and ours.header.weight_unit == theirs.weight_unit


def _representative_rows(facility_id: str) -> list[dict]:
    install = wms_install(facility_id)
    download = json.loads(fixture("DC-RNO"))[0]["details"]
    carrier = next(iter(install.header.carriers))
    by_type = {
        "ORDER_RECEIVED": {"details": download},
        "ORDER_ALLOCATED": {"ref_1": facility_id},
        "ORDER_RELEASED": {"ref_1": "W-1"},
        "PICK_STARTED": {"user_id": "P-1"},
        "ITEM_PICKED": {"line_no": 1, "sku": "WP-1", "qty": 2, "user_id": "P-1"},
        "PICK_SHORT": {"line_no": 1, "sku": "WP-1", "qty": 0, "user_id": "P-1", "details": {"short_qty": 2}},
        "PICK_COMPLETED": {"user_id": "P-1"},
        "PACK_STARTED": {"user_id": "K-1"},
        "PACK_COMPLETED": {"user_id": "K-1", "carton_id": "CT-1", "details": {"weight": 2.5, "uom": install.header.weight_unit}},
        "LABEL_PRINTED": {"ref_1": carrier, "ref_2": "GND", "ref_3": "1Z0000000000000001",
                          "details": {"weight": 2.5, "shipment_id": "SO-00099999-1"}},
        "STAGED_OUTBOUND": {"user_id": "L-1"},
        "ORDER_HOLD_RELEASED": {},
        "ORDER_SPLIT": {"details": {"shipments": ["SO-00099999-1", "SO-00099999-2"]}},
        "RETURN_RECEIVED": {"line_no": 1, "sku": "WP-1", "qty": 1, "ref_1": "RMA-1"},
    }  # fmt: skip
    rows = []
    for entry in install.codes:
        columns = dict(by_type.get(entry.event_type, {}))
        column = {"RETURN_RECEIVED": "ref_2"}.get(entry.event_type, "ref_1")
        if entry.qualifier:
            columns[column] = entry.qualifier
        whse = install.header.whse
        rows.append((entry, row(entry.txn_code, whse=whse, **columns)))
    return rows


@pytest.mark.parametrize("facility_id", DCS)
def test_every_entry_of_our_tables_gives_an_event_the_registry_accepts(facility_id: str) -> None:
    for entry, raw in _representative_rows(facility_id):
        (event,) = events([raw], facility_id)
        assert event["event_type"] == entry.event_type
        assert entry.attributes.items() <= event["attributes"].items()
        validate_event(event, REGISTRY, ZONES)


def test_an_unknown_code_is_rejected_and_the_row_is_kept() -> None:
    raw = row("TELEPORT", seq=77)
    (rejection,) = rejections([raw])

    assert (rejection.reason_code, rejection.field, rejection.rule) == (
        "unknown_code",
        "txn_code",
        "wms_code_table",
    )
    assert rejection.record == raw and rejection.record_index == 0


def test_an_epoch_time_is_rejected_as_an_invalid_timestamp() -> None:
    (rejection,) = rejections(fixture("DC-RNO"))

    assert (rejection.reason_code, rejection.field, rejection.rule) == (
        "invalid_timestamp",
        "txn_ts",
        "epoch",
    )
    assert rejection.record["seq"] == 10 and rejection.record_index == 9


def test_the_repeated_autumn_hour_is_read_as_its_first_occurrence_and_flagged() -> None:
    (first,) = events([row("PICK_BEG", "2026-11-01 01:30:10")])

    assert first["occurred_at"] == "2026-11-01T08:30:10Z"  # 01:30:10 PDT, not PST
    assert first["flags"] == ["dst_fold"]


def test_a_wall_time_in_the_spring_gap_is_shifted_forward_and_flagged() -> None:
    (gap,) = events([row("PICK_BEG", "2026-03-08 02:30:00")])
    (columbus,) = events([row("300", "2026-03-08 02:30:00", whse="CMH")], "DC-CMH")

    assert gap["occurred_at"] == "2026-03-08T10:30:00Z" and gap["flags"] == ["dst_gap"]
    assert columbus["occurred_at"] == "2026-03-08T07:30:00Z" and columbus["flags"] == ["dst_gap"]
    assert validate_event(gap, REGISTRY, ZONES).local_time == datetime(2026, 3, 8, 3, 30)


def test_a_time_written_with_an_offset_is_taken_as_the_instant() -> None:
    (event,) = events([row("PICK_BEG", "2026-10-30T11:12:05-07:00")])

    assert event["occurred_at"] == "2026-10-30T18:12:05Z"


def test_rows_arriving_out_of_order_keep_their_own_seq_and_time() -> None:
    parsed = {e["event_id"]: e for e in events(fixture("DC-RNO"))}

    assert parsed["11"]["event_type"] == "ITEM_PICKED"
    assert parsed["11"]["occurred_at"] < parsed["9"]["occurred_at"]  # picked before the label, read after it


def test_the_same_row_read_twice_gives_the_same_event() -> None:
    page = json.loads(fixture("DC-CMH"))

    assert events(page + page[:1], "DC-CMH")[-1] == events(page, "DC-CMH")[0]


@pytest.mark.parametrize(
    ("raw", "reason", "field", "rule"),
    [
        (row("PICK_BEG", whse="CMH"), "unknown_facility", "whse", "whse_of_source"),
        (
            row("LBL_PRT", ref_1="PONY", ref_2="GND", ref_3="X1234"),
            "unknown_carrier",
            "ref_1",
            "wms_carrier_codes",
        ),
        (row("PICK_BEG", txn_ts="yesterday"), "invalid_timestamp", "txn_ts", "format"),
        (row("PICK_BEG", txn_ts=None), "invalid_timestamp", "txn_ts", "required"),
        (row("PICK_BEG", order_no=None), "missing_field", "order_no", "required"),
        ({**row("PICK_BEG"), "seq": None}, "missing_field", "seq", "required"),
        (
            row("ORD_DNLD", details={"ship_to": {"zip": "00000", "country": "FR"}}),
            "missing_field",
            "details.ship_to",
            "destination_zone",
        ),
        ("not a row", "malformed_payload", "row", "object"),
    ],
)
def test_a_row_that_cannot_be_an_event_names_the_field_and_rule(
    raw, reason: str, field: str, rule: str
) -> None:
    (rejection,) = rejections([raw])

    assert (rejection.reason_code, rejection.field, rejection.rule) == (reason, field, rule)
    assert rejection.record == raw


@pytest.mark.parametrize(
    ("payload", "rule"), [(b"<html>502</html>", "json"), (b'{"error": "timeout"}', "array")]
)
def test_a_page_that_is_not_a_list_of_rows_is_one_malformed_payload(payload: bytes, rule: str) -> None:
    (rejection,) = parse(payload)

    assert (rejection.reason_code, rejection.rule) == ("malformed_payload", rule)


def test_a_dc_without_a_code_table_is_an_unknown_facility() -> None:
    (rejection,) = parse(b"[]", "DC-XYZ")

    assert (rejection.reason_code, rejection.rule) == ("unknown_facility", "wms_install")
