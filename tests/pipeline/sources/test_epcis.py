"""EPCIS 2.0 documents: validated against our schema, mapped by business step, kept with their offset."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from pipeline.canonical import validate_event
from pipeline.drain import drain_batch
from pipeline.quarantine import open_records
from pipeline.sources.base import ParseContext, Rejection
from pipeline.sources.epcis import adapter, land_epcis_document
from pipeline.sources.epcis_validation import validate_epcis_document
from pipeline.sources.epcis_vocabulary import cbv_words, gln_of, locations, step_table
from pipeline.taxonomy import latest_definitions
from tests.canonical_factory import REGISTRY, ZONES

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "epcis" / "partner_shipment.json"
RNO = "urn:epc:id:sgln:0860004.00010.0"
ORDER = {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:0860004000006:SO-00012345"}


def document(*events: dict, **fields) -> dict:
    base = {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], "type": "EPCISDocument",
            "schemaVersion": "2.0", "creationDate": "2026-11-02T09:00:00Z", "epcisBody": {"eventList": list(events)}}  # fmt: skip
    return {**base, **fields}


def event(**fields) -> dict:
    base = {"type": "ObjectEvent", "eventTime": "2026-10-30T11:20:00-07:00", "eventTimeZoneOffset": "-07:00",
            "action": "OBSERVE", "epcList": [], "bizStep": "staging_outbound", "bizLocation": {"id": RNO},
            "bizTransactionList": [ORDER]}  # fmt: skip
    return {**base, **fields}


def parse(payload: dict | bytes) -> list:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return list(adapter("epcis:acme").parse(data, ParseContext("epcis:acme", datetime.now(UTC), ZONES)))


def one(payload: dict) -> dict | Rejection:
    (item,) = parse(payload)
    return item


def test_a_partners_document_becomes_events_at_our_facilities() -> None:
    parsed = parse(FIXTURE.read_bytes())

    assert [(e["event_type"], e["facility_id"], e["order_id"]) for e in parsed] == [
        ("PICK_STARTED", "DC-RNO", "SO-00012345"),
        ("PACK_COMPLETED", "DC-RNO", "SO-00012345"),
        ("STAGED_OUTBOUND", "DC-RNO", "SO-00012345"),
        ("RETURN_RECEIVED", "DC-RNO", "SO-00012345"),
    ]
    assert parsed[0]["event_id"] == "urn:uuid:7b1a9f6e-0c4e-4b5e-9d1e-5f0c1a2b3c01"
    assert (
        parsed[2]["event_id"].startswith("sha256:")
        and parsed[2]["event_id"] == parse(FIXTURE.read_bytes())[2]["event_id"]
    )
    assert parsed[3]["attributes"] == {"condition": "damaged", "rma_id": "RMA-00012345"}
    for item in parsed:
        validate_event(item, REGISTRY, ZONES)


def test_event_time_is_the_instant_and_the_reported_offset_is_kept_as_local_time() -> None:
    pick, pack = parse(FIXTURE.read_bytes())[:2]

    assert (pick["occurred_at"], pick["utc_offset"]) == ("2026-11-01T08:30:10Z", "-07:00")
    stored = validate_event(
        pack, REGISTRY, ZONES
    )  # 09:43:40Z reported at -08:00: the second 01:43 of the fold
    assert (stored.local_time, stored.utc_offset_minutes, stored.time_zone) == (
        datetime(2026, 11, 1, 1, 43, 40), -480, "America/Los_Angeles")  # fmt: skip


def test_an_offset_that_disagrees_with_the_facility_zone_is_still_the_one_kept() -> None:
    item = one(document(event(eventTime="2026-10-30T18:20:00Z", eventTimeZoneOffset="+02:00")))

    stored = validate_event(item, REGISTRY, ZONES)
    assert stored.occurred_at == datetime(2026, 10, 30, 18, 20, tzinfo=UTC)
    assert (stored.local_time, stored.utc_offset_minutes) == (datetime(2026, 10, 30, 20, 20), 120)


@pytest.mark.parametrize(
    "step",
    ["shipping", "urn:epcglobal:cbv:bizstep:shipping", "https://ref.gs1.org/cbv/BizStep-shipping"],
)
def test_cbv_words_and_uris_mean_the_same(step: str) -> None:
    item = one(document(event(bizStep=step, disposition="urn:epcglobal:cbv:disp:in_transit")))

    assert item["event_type"] == "CARRIER_PICKUP"
    assert item["attributes"] == {"raw_code": "shipping"}


def test_receiving_is_a_return_at_our_facility_and_a_delivery_elsewhere() -> None:
    at_dc = one(document(event(bizStep="receiving", disposition="returned")))
    at_home = one(document(event(bizStep="receiving", bizLocation={"id": "urn:epc:id:sgln:0614141.00777.0"})))

    assert (at_dc["event_type"], at_home["event_type"]) == ("RETURN_RECEIVED", "DELIVERED")
    assert "facility_id" not in at_home


def test_a_private_business_step_in_the_table_maps_and_one_not_in_it_is_an_unknown_code() -> None:
    listed = one(document(event(bizStep="https://waypoint.example/epcis/bizstep/order_released")))
    gift_wrap = one(document(event(bizStep="https://example.com/bizstep/gift_wrap")))

    assert listed["event_type"] == "ORDER_RELEASED"
    assert (gift_wrap.reason_code, gift_wrap.field, gift_wrap.rule) == (
        "unknown_code", "epcisBody.eventList[0].bizStep", "epcis_biz_steps")  # fmt: skip


@pytest.mark.parametrize(
    ("change", "reason", "field", "rule"),
    [
        ({"bizStep": "shiping"}, "unknown_code", "bizStep", "cbv_bizstep"),
        ({"bizStep": "urn:epcglobal:cbv:bizstep:teleporting"}, "unknown_code", "bizStep", "cbv_bizstep"),
        ({"disposition": "lost_in_space"}, "unknown_code", "disposition", "cbv_disposition"),
        ({"eventTime": "2026-10-30T11:20:00"}, "invalid_timestamp", "eventTime", "offset_required"),
        ({"eventTime": "30/10/2026 11:20"}, "invalid_timestamp", "eventTime", "rfc3339"),
        ({"eventTimeZoneOffset": None}, "missing_field", "eventTimeZoneOffset", "required"),
        ({"eventTimeZoneOffset": "-7"}, "invalid_timestamp", "eventTimeZoneOffset", "time_zone_offset"),
        ({"eventTime": "1970-01-01T00:00:00Z"}, "invalid_timestamp", "eventTime", "epoch"),
        ({"action": "MOVE"}, "malformed_payload", "action", "enum"),
        ({"action": None}, "missing_field", "action", "required"),
        ({"epcList": None}, "malformed_payload", "", "anyOf"),
        ({"evenTime": "2026-10-30T11:20:00Z"}, "malformed_payload", "evenTime", "extension_namespace"),
        ({"bizTransactionList": []}, "missing_field", "bizTransactionList", "order_reference"),
        ({"bizTransactionList": [ORDER, {"type": "po", "bizTransaction": "urn:x:SO-1"}]},
         "malformed_payload", "bizTransactionList", "one_order"),
        ({"bizTransactionList": [{"type": "purchase", "bizTransaction": "urn:x:SO-1"}]},
         "unknown_code", "bizTransactionList[0].type", "cbv_btt"),
        ({"bizLocation": {"id": "urn:epc:id:sgln:0614141.00777.0"}}, "unknown_facility", "bizLocation.id", "epcis_locations"),
        ({"errorDeclaration": {"declarationTime": "2026-11-02T09:00:00Z", "reason": "incorrect_data"}},
         "unknown_code", "errorDeclaration", "error_declaration"),
    ],
)  # fmt: skip
def test_an_invalid_event_is_rejected_naming_the_field_and_the_rule(
    change: dict, reason: str, field: str, rule: str
) -> None:
    raw = {key: value for key, value in {**event(), **change}.items() if value is not None}
    good = event(eventID="urn:uuid:00000000-0000-0000-0000-000000000001")

    parsed = parse(document(good, raw))

    assert parsed[0]["event_type"] == "STAGED_OUTBOUND"
    rejection = parsed[1]
    expected_field = f"epcisBody.eventList[1].{field}".rstrip(".")
    assert (rejection.reason_code, rejection.field, rejection.rule) == (reason, expected_field, rule)
    assert rejection.record == raw and rejection.record_index == 1


@pytest.mark.parametrize(
    ("change", "reason", "field", "rule"),
    [
        ({"schemaVersion": "1.2"}, "malformed_payload", "schemaVersion", "const"),
        ({"type": "EPCISQueryDocument"}, "malformed_payload", "type", "const"),
        (
            {"@context": "https://example.com/context.jsonld"},
            "malformed_payload",
            "@context",
            "epcis_context",
        ),
        ({"creationDate": "2026-11-02 09:00"}, "invalid_timestamp", "creationDate", "rfc3339"),
        ({"epcisBody": {}}, "missing_field", "epcisBody.eventList", "required"),
    ],
)
def test_a_document_that_is_not_epcis_2_is_rejected_whole(
    change: dict, reason: str, field: str, rule: str
) -> None:
    (rejection,) = parse(document(event(), **change))

    assert (rejection.reason_code, rejection.field, rejection.rule) == (reason, field, rule)
    assert rejection.record is None  # the whole payload is kept


def test_a_document_without_schema_version_or_context_names_what_is_missing() -> None:
    raw = document(event())
    del raw["schemaVersion"]

    (rejection,) = parse(raw)

    assert (rejection.reason_code, rejection.field, rejection.rule) == (
        "missing_field",
        "schemaVersion",
        "required",
    )
    assert parse(b"{not json")[0].rule == "json"


def test_waypoint_extension_fields_count_only_when_the_context_binds_the_prefix() -> None:
    ours = {"wp:attributes": {"operator_id": "RNO-L002", "dock_door": "D4"}, "wp:flags": ["time_corrected"]}
    bound = document(event(**ours), **{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                                                   {"wp": "https://waypoint.example/epcis/"}]})  # fmt: skip

    assert one(bound)["attributes"] == {"operator_id": "RNO-L002", "dock_door": "D4"}
    assert one(bound)["flags"] == ["time_corrected"]
    assert one(document(event(**ours)))["attributes"] == {}


def test_every_entry_of_the_step_table_gives_a_valid_event() -> None:
    for entry in step_table().codes:
        disposition = {} if entry.disposition == "*" else {"disposition": entry.disposition}
        where = (
            {"bizLocation": {"id": "urn:epc:id:sgln:0614141.00777.0"}} if entry.where == "elsewhere" else {}
        )
        schema = latest_definitions()[entry.event_type].attributes_schema
        attributes = {**copy.deepcopy(schema["examples"][0]), **entry.attributes}
        extension = {
            "wp:attributes": attributes,
            "wp:carrier": "ups",
            "wp:trackingNumber": "1Z999AA10000000001",
        }
        doc = document(event(bizStep=entry.biz_step, **disposition, **where, **extension),
                       **{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                                       {"wp": "https://waypoint.example/epcis/"}]})  # fmt: skip

        item = one(doc)

        assert not isinstance(item, Rejection), (entry, item)
        assert item["event_type"] == entry.event_type
        validate_event(item, REGISTRY, ZONES)


def test_every_registered_type_is_exported_by_one_entry_or_said_not_to_be() -> None:
    table = step_table()

    assert set(table.exports) | set(table.not_exported) == set(latest_definitions())
    assert set(table.exports).isdisjoint(table.not_exported)


def test_the_tables_use_cbv_2_words_and_our_facilities_resolve_by_sgln_or_digital_link() -> None:
    assert {"shipping", "receiving", "staging_outbound", "retail_selling"} <= set(cbv_words("bizStep"))
    assert {"in_transit", "returned", "container_closed"} <= set(cbv_words("disposition"))
    place = locations()
    assert set(place.facilities) == set(ZONES)
    assert place.facility_at("urn:epc:id:sgln:0860004.00020.door12") == "DC-CMH"
    assert place.facility_at(f"https://id.gs1.org/414/{gln_of(place.facilities['ST-022'])}/254/7") == "ST-022"
    assert place.facility_at("urn:epc:id:sgln:0614141.00777.0") is None


def test_validation_for_an_api_lists_every_problem_and_nothing_for_a_valid_document() -> None:
    assert validate_epcis_document(FIXTURE.read_bytes()) == []
    problems = validate_epcis_document(
        json.dumps(document(event(bizStep="shiping"), event(eventTimeZoneOffset="7"))).encode()
    )
    assert [(p.rule, p.record_index) for p in problems] == [("cbv_bizstep", 0), ("time_zone_offset", 1)]


def test_a_posted_document_is_landed_as_received_and_drained(conn: Connection) -> None:
    body = FIXTURE.read_bytes()
    bad = json.dumps(document(event(eventTimeZoneOffset=None) | {"eventID": "urn:uuid:bad"})).encode()
    raw_id = land_epcis_document(conn, body, "acme-3pl")
    land_epcis_document(conn, bad.replace(b', "eventTimeZoneOffset": null', b""), "acme-3pl")
    with pytest.raises(ValueError, match="sender"):
        land_epcis_document(conn, body, "acme 3pl")

    report = drain_batch(conn, REGISTRY, ZONES)

    stored = conn.execute(
        text("SELECT payload, source FROM raw_inbox WHERE raw_id = :id"), {"id": raw_id}
    ).one()
    assert (bytes(stored.payload), stored.source) == (body, "epcis:acme-3pl")
    assert (report.loaded, report.quarantined) == (4, 1)
    (problem,) = open_records(conn, source="epcis:acme-3pl")
    assert (problem.reason_code, problem.field, problem.rule) == (
        "missing_field", "epcisBody.eventList[0].eventTimeZoneOffset", "required")  # fmt: skip
    local = conn.execute(
        text(
            "SELECT local_time, utc_offset_minutes FROM event WHERE event_type = 'PACK_COMPLETED' AND source = 'epcis:acme-3pl'"
        )
    ).one()
    assert tuple(local) == (datetime(2026, 11, 1, 1, 43, 40), -480)
