"""The helpdesk keeps ticket revisions, ticket events and survey ratings, Zendesk-style, in UTC."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from simulator.sources.helpdesk import RETURN_TICKET_BASE, render_helpdesk
from tests.simulator.sample_world import sample_truth
from tests.simulator.truth_rows import truth, truth_frame


@pytest.fixture(scope="module")
def tables() -> dict[str, list[dict]]:
    return {rendered.table: rendered.rows.to_dicts() for rendered in render_helpdesk(sample_truth())}


def test_a_support_ticket_opens_new_and_the_reported_issue_moves_it_to_open(
    tables: dict[str, list[dict]],
) -> None:
    opened, issue = (row for row in tables["helpdesk.ticket_revision"] if row["ticket_id"] == 512_340_007)
    assert (opened["status"], opened["type"], opened["priority"], opened["via_channel"]) == (
        "new", "incident", "high", "email"
    )  # fmt: skip
    assert opened["created_at"] == opened["updated_at"] == datetime(2026, 11, 3, 16, 45, tzinfo=UTC)
    assert (
        json.loads(opened["tags"]) == ["damaged_item", "order_inquiry"]
        and opened["order_ref"] == "SO-00012352"
    )
    assert issue["status"] == "open" and issue["created_at"] is None
    assert json.loads(issue["tags"]) == ["issue_damaged_item"]


def test_a_return_is_a_ticket_of_its_own_that_the_refund_solves(tables: dict[str, list[dict]]) -> None:
    number = RETURN_TICKET_BASE + 12345
    requested, refunded = (row for row in tables["helpdesk.ticket_revision"] if row["ticket_id"] == number)
    assert requested["subject"] == "Return request RMA-00012345 for order SO-00012345"
    assert requested["rma_ref"] == "RMA-00012345" and refunded["status"] == "solved"
    events = [row for row in tables["helpdesk.ticket_event"] if row["ticket_id"] == number]
    change, comment = json.loads(events[1]["child_events"])
    assert (change["event_type"], change["value"], change["previous_value"]) == ("Change", "solved", "open")
    assert comment["body"] == "Refund of 24.99 USD issued for RMA-00012345" and events[1]["via"] == "api"
    created = json.loads(events[0]["child_events"])
    assert created[0]["event_type"] == "Create" and "1 x WP-100037" in created[1]["body"]


def test_survey_responses_become_ratings(tables: dict[str, list[dict]]) -> None:
    (rating,) = tables["helpdesk.satisfaction_rating"]
    assert (rating["id"], rating["score"], rating["order_ref"]) == (12351, 5, "SO-00012351")
    assert rating["comment"] == "Fast delivery, thank you!" and rating["ticket_id"] is None


def test_wrong_offset_stores_the_agents_wall_time_as_utc() -> None:
    row = truth("SURVEY_RESPONDED", at=datetime(2026, 7, 1, 19, 0, tzinfo=UTC), source_system="helpdesk",
                facility_id="DC-RNO", detail={"survey_id": "SV-1", "score": 3}, anomaly="invalid_timestamp:wrong_offset")  # fmt: skip
    tables = {r.table: r.rows for r in render_helpdesk(truth_frame([row]))}
    assert tables["helpdesk.satisfaction_rating"]["created_at"].to_list() == [
        datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    ]


def test_records_of_other_sources_are_ignored() -> None:
    row = truth("PICK_STARTED", source_system="wms", facility_id="DC-RNO")
    assert [r.rows.height for r in render_helpdesk(truth_frame([row]))] == [0, 0, 0]
