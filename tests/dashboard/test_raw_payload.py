"""An event's raw payload for an escalation: readable, and narrowed to the event's own record when the
payload is a batch, on the sources' real payload shapes."""

from __future__ import annotations

import json
from pathlib import Path

from dashboard.raw_payload import decode_payload, payload_view, record_for_event, record_ids

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_a_wms_page_shows_the_row_whose_seq_is_the_event_id():
    page = (FIXTURES / "wms_dc_rno" / "change_log.json").read_bytes()
    rows = json.loads(page)
    wanted = rows[1]

    view = payload_view(page, str(wanted["seq"]))

    assert view.is_json and not view.whole_payload
    assert view.body["seq"] == wanted["seq"]
    assert view.body["txn_code"] == wanted["txn_code"]


def test_json_held_in_a_string_column_is_shown_as_structure():
    body, is_json = decode_payload(
        json.dumps([{"seq": 7, "details": json.dumps({"contact": {"email": "a@b.co"}})}]).encode()
    )

    assert is_json
    assert body[0]["details"] == {"contact": {"email": "a@b.co"}}


def test_a_helpdesk_audit_is_found_by_the_id_after_its_kind_prefix():
    payload = {"audits": [{"id": 501, "ticket_id": 9}, {"id": 502, "ticket_id": 9}], "tickets": [{"id": 9}]}

    record, narrowed = record_for_event(payload, "audit:502")

    assert narrowed and record == {"id": 502, "ticket_id": 9}
    assert record_ids("audit:502") == {"audit:502", "502"}


def test_canonical_json_lines_show_the_line_of_the_event():
    lines = b'{"event_id": "E1", "event_type": "PICK_STARTED"}\n{"event_id": "E2", "event_type": "PICK_COMPLETED"}\n'

    view = payload_view(lines, "E2")

    assert (view.body, view.whole_payload) == ({"event_id": "E2", "event_type": "PICK_COMPLETED"}, False)


def test_a_single_record_webhook_is_shown_whole():
    webhook = (FIXTURES / "swiftmile" / "webhook_04.json").read_bytes()
    event_id = json.loads(webhook)["event_id"]

    view = payload_view(webhook, event_id)

    assert view.whole_payload and view.body == json.loads(webhook)


def test_without_a_record_carrying_the_id_the_whole_payload_is_shown():
    scans = (FIXTURES / "ups" / "track_details.json").read_bytes()

    view = payload_view(scans, "1Z999AA10123456784:D:2026-11-02T16:11:00")

    assert view.whole_payload and view.body == json.loads(scans)
    assert record_ids("1Z999AA10123456784:D:2026-11-02T16:11:00") == {
        "1Z999AA10123456784:D:2026-11-02T16:11:00"
    }


def test_two_records_with_the_id_are_ambiguous_so_the_whole_payload_is_shown():
    payload = {"tickets": [{"id": 7}], "audits": [{"id": 7}]}

    assert record_for_event(payload, "7") == (payload, False)


def test_a_payload_that_is_not_json_is_shown_as_text():
    view = payload_view(b"<xml>not json</xml>", "E1")

    assert (view.body, view.is_json, view.whole_payload) == ("<xml>not json</xml>", False, True)
