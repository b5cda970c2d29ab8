"""What a person sees after a playbook gave up: the exception queue's first button is the playbook's
suggested next step, with the parameters the playbook worked out, and one click does it through the same
action service (the audit log shows the automation's escalation, then the person's action)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from pipeline.exceptions.detector import detect_exceptions
from pipeline.playbooks.policy import POLICY_FILE, parse_policy
from pipeline.playbooks.runner import run_playbooks
from pipeline.settings import Settings
from tests.pages.app_session import open_page as open_script
from tests.pages.app_session import signed_in_as
from tests.pipeline.exceptions.streams import carrier_event, load, order_until, pick_short
from tests.pipeline.playbooks.world import stock

PLACED = datetime(2026, 11, 16, 17, 5, tzinfo=UTC)
SHORT, ADDRESS = "SO-61000001", "SO-61000002"
SELECT_FIRST_ROW = {"selection": {"rows": [0], "columns": [], "cells": []}}


def escalated_by_playbooks(engine: Engine) -> dict[str, int]:
    """A short pick whose only on-time option costs more than automation may spend, and an address issue
    whose confirmation request never went out (no mail server): both escalated by their playbooks."""
    with engine.begin() as conn:
        stock(conn, "DC-CMH", "SKU-000087", 10)
    load(
        engine,
        [*order_until(SHORT, PLACED, "ITEM_PICKED"), pick_short(SHORT, PLACED + timedelta(minutes=58))],
    )
    load(
        engine,
        [
            *order_until(ADDRESS, PLACED, "DEPARTED_HUB", tracking_number="1Z999AA10000000009"),
            carrier_event(
                "ADDRESS_ISSUE",
                ADDRESS,
                PLACED + timedelta(hours=12),
                reason="incomplete_address",
                tracking_number="1Z999AA10000000009",
            ),
        ],
    )
    first = PLACED + timedelta(hours=13)
    detect_exceptions(engine, now=first)
    document = json.loads(POLICY_FILE.read_text())
    document["inventory"]["max_added_cost"] = 10.0
    policy = parse_policy(document)
    quiet = Settings(notify_quiet_hours="", action_token_secret="queue-secret")
    run_playbooks(engine, now=first, settings=quiet, policy=policy)
    run_playbooks(engine, now=first + timedelta(hours=25), settings=quiet, policy=policy)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT order_id, exception_id, state FROM order_exception")).all()
    assert {row.order_id: row.state for row in rows} == {SHORT: "escalated", ADDRESS: "escalated"}
    return {row.order_id: row.exception_id for row in rows}


@pytest.fixture
def queue(fresh_database_url: str, point_app_at) -> Iterator[tuple[Engine, dict[str, int]]]:
    engine = make_engine(fresh_database_url, pool_size=2)
    ids = escalated_by_playbooks(engine)
    point_app_at(fresh_database_url)
    yield engine, ids
    engine.dispose()


def open_group(role: str, group: str) -> AppTest:
    at = open_script("exception_queue.py", signed_in_as(role))
    at.session_state[f"queue_{group}"] = SELECT_FIRST_ROW
    return at.run()


def panel_buttons(at: AppTest, group: str) -> list:
    return [b for b in at.button if b.key and b.key.startswith(f"panel_{group}")]


def trail(engine: Engine, exception_id: int) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT actor, action FROM audit_log WHERE entity_id = :i ORDER BY audit_id"),
            {"i": str(exception_id)},
        )
        return [tuple(row) for row in rows]


def test_the_playbooks_costed_option_is_the_first_button_and_one_click_re_allocates(queue) -> None:
    engine, ids = queue
    at = open_group("supervisor", "inventory_mismatch")

    first = panel_buttons(at, "inventory_mismatch")[0]
    assert first.label == (
        "Suggested: Re-allocate to DC-CMH, FedEx 2Day, arrives Friday, November 20, $19.90 added"
    )
    first.click().run()

    with engine.connect() as conn:
        facility = conn.execute(
            text("SELECT facility_id FROM order_state WHERE order_id = :o"), {"o": SHORT}
        ).scalar()
    assert facility == "DC-CMH"
    assert trail(engine, ids[SHORT]) == [
        ("automation:inventory_mismatch", "escalate"),
        ("supervisor_1", "reallocate"),
    ]


def test_an_unanswered_address_request_offers_the_release_first_and_the_click_releases_the_hold(
    queue,
) -> None:
    engine, ids = queue
    at = open_group("support_agent", "address_issue")

    buttons = panel_buttons(at, "address_issue")
    assert buttons[0].label == "Suggested: Checked the address with the customer by phone: release the hold"
    assert any("has not gone out in 24 hours" in caption.value for caption in at.caption)
    buttons[0].click().run()

    with engine.connect() as conn:
        on_hold = conn.execute(
            text("SELECT on_hold FROM order_state WHERE order_id = :o"), {"o": ADDRESS}
        ).scalar()
        state = conn.execute(
            text("SELECT state FROM order_exception WHERE exception_id = :i"), {"i": ids[ADDRESS]}
        ).scalar()
    assert on_hold is False and state == "resolved"
    assert trail(engine, ids[ADDRESS]) == [
        ("automation:address_confirmation", "request_address_confirmation"),
        ("automation:address_confirmation", "escalate"),
        ("support_agent_1", "release_address_hold"),
    ]
