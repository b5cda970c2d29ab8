"""Helpdesk audits (with their tickets sideloaded) and ratings become post-delivery events."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from pipeline.canonical import validate_event
from pipeline.drain import drain_batch
from pipeline.inbox import Arrival, land
from pipeline.quarantine import open_records
from pipeline.sources.base import ParseContext, Rejection
from pipeline.sources.helpdesk import adapter, helpdesk_table
from simulator.lifecycle_aftercare import CATEGORIES, CHANNELS, RETURN_REASONS
from simulator.sources.helpdesk import VIA
from tests.canonical_factory import REGISTRY, ZONES

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "helpdesk"


def body(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())["body"]


def audits_page() -> dict:
    """The ticket-events export page with its tickets sideloaded, as the feed lands it."""
    return {**body("incremental_ticket_events"), "tickets": body("incremental_tickets")["tickets"]}


def parse(payload: dict | bytes) -> list:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return list(adapter("helpdesk").parse(data, ParseContext("helpdesk", datetime.now(UTC), ZONES)))


def test_audits_become_ticket_issue_return_and_refund_events_of_their_orders() -> None:
    parsed = parse(audits_page())

    assert [(e["event_id"], e["event_type"], e["order_id"], e["occurred_at"]) for e in parsed] == [
        ("audit:1", "SUPPORT_TICKET_OPENED", "SO-00012352", "2026-11-03T16:45:00Z"),
        ("audit:2", "CUSTOMER_REPORTED_ISSUE", "SO-00012352", "2026-11-03T16:51:00Z"),
        ("audit:3", "RETURN_REQUESTED", "SO-00012345", "2026-11-04T16:45:00Z"),
        ("audit:4", "REFUND_ISSUED", "SO-00012345", "2026-11-12T19:45:00Z"),
    ]
    assert [e["attributes"] for e in parsed] == [
        {"ticket_id": "512340007", "category": "damaged_item", "channel": "email",
         "subject": "Item in order SO-00012352 arrived damaged"},
        {"ticket_id": "512340007", "issue": "damaged_item"},
        {"rma_id": "RMA-00012345", "reason": "size_or_fit"},
        {"rma_id": "RMA-00012345", "amount": 24.99, "currency": "USD", "reason": "return"},
    ]  # fmt: skip
    for event in parsed:
        validate_event(event, REGISTRY, ZONES)


def test_a_rating_becomes_a_survey_response_of_its_order() -> None:
    (survey,) = parse(body("satisfaction_ratings"))

    assert survey == {
        "event_id": "rating:12351", "source": "helpdesk", "event_type": "SURVEY_RESPONDED",
        "occurred_at": "2026-11-05T16:45:00Z", "order_id": "SO-00012351",
        "attributes": {"score": 5, "survey_id": "12351", "comment": "Fast delivery, thank you!"},
    }  # fmt: skip
    validate_event(survey, REGISTRY, ZONES)


def test_every_category_channel_and_return_reason_the_simulated_helpdesk_writes_is_mapped() -> None:
    _, table = helpdesk_table()

    for category in {*CATEGORIES, "damaged_item"}:
        assert table.lookup(("tag", "support", category)).attributes == {"category": category}
    for channel in CHANNELS:
        assert table.lookup(("via", "support", VIA[channel])).event_type == "SUPPORT_TICKET_OPENED"
    assert table.lookup(("via", "support", "web")) is not None  # the helpdesk's default channel
    for reason in {*RETURN_REASONS, "damaged"}:
        entry = table.lookup(("tag", "return", f"return_reason_{reason}"))
        assert entry is not None and entry.event_type == "RETURN_REQUESTED", reason


def test_a_phone_ticket_is_opened_by_phone() -> None:
    page = audits_page()
    page["tickets"][0]["via"]["channel"] = "voice"

    assert parse(page)[0]["attributes"]["channel"] == "phone"


def test_an_audit_that_changes_no_status_is_ticket_activity_not_an_event() -> None:
    page = audits_page()
    page["ticket_events"][1]["child_events"] = [
        {"id": 1, "event_type": "Comment", "body": "Thanks!", "public": True}
    ]

    assert [e["event_id"] for e in parse(page)] == ["audit:1", "audit:3", "audit:4"]


def _broken(change) -> dict:
    page = audits_page()
    change(page)
    return page


@pytest.mark.parametrize(
    ("page", "index", "reason", "field", "rule"),
    [
        (_broken(lambda p: p["ticket_events"][1]["child_events"][0].update(value="pending")), 1,
         "unknown_code", "child_events", "helpdesk_codes"),
        (_broken(lambda p: p.update(tickets=[])), 0, "missing_field", "tickets", "sideloaded_ticket"),
        (_broken(lambda p: p["tickets"][0]["custom_fields"][0].update(value=None)), 0,
         "missing_field", "custom_fields.order_ref", "order_reference"),
        (_broken(lambda p: p["ticket_events"][3]["child_events"][1].update(body="Refunded, see notes")), 3,
         "missing_field", "child_events.body", "refund_comment"),
        (_broken(lambda p: p["ticket_events"][0].update(created_at="1970-01-01T00:00:00Z")), 0,
         "invalid_timestamp", "created_at", "epoch"),
        (_broken(lambda p: p["ticket_events"][0].update(created_at="2026-11-03T16:45:00")), 0,
         "invalid_timestamp", "created_at", "offset_required"),
    ],
)  # fmt: skip
def test_an_audit_that_cannot_be_mapped_is_rejected_with_the_record(page, index, reason, field, rule) -> None:
    rejections = [item for item in parse(page) if isinstance(item, Rejection)]

    assert [(r.reason_code, r.field, r.rule, r.record_index) for r in rejections][:1] == [
        (reason, field, rule, index)
    ]
    assert rejections[0].record == page["ticket_events"][index]


def test_a_rating_without_an_order_is_rejected() -> None:
    ratings = copy.deepcopy(body("satisfaction_ratings"))
    ratings["satisfaction_ratings"][0]["external_id"] = None

    (rejection,) = parse(ratings)

    assert (rejection.reason_code, rejection.field, rejection.rule) == (
        "missing_field",
        "external_id",
        "order_reference",
    )


@pytest.mark.parametrize("payload", [b"not json", b'{"error": "RecordNotFound"}', b"[]"])
def test_an_error_answer_is_one_malformed_payload(payload: bytes) -> None:
    (rejection,) = parse(payload)

    assert rejection.reason_code == "malformed_payload"


def test_exports_repeated_at_their_boundary_load_each_event_once(conn: Connection) -> None:
    for _ in range(2):
        land(conn, Arrival("helpdesk", json.dumps(audits_page()).encode()))
    land(conn, Arrival("helpdesk", json.dumps(body("satisfaction_ratings")).encode()))

    report = drain_batch(conn, REGISTRY, ZONES)

    assert (report.events, report.loaded, report.duplicates, report.quarantined) == (9, 5, 4, 0)
    assert open_records(conn, source="helpdesk") == []
    types = conn.execute(
        text("SELECT event_type FROM event WHERE order_id = 'SO-00012345' ORDER BY occurred_at")
    ).scalars()
    assert list(types) == ["RETURN_REQUESTED", "REFUND_ISSUED"]
