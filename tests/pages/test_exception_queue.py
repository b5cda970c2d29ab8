"""The Exception queue page through AppTest: who may open it, the queue grouped and filtered, acting on a
selected row (audit log written, state changed), the suggested next step first, deep links, and the
"new since you opened" count."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import streamlit as st
from sqlalchemy import Engine, text
from streamlit.testing.v1 import AppTest

from dashboard.auth import SignedInUser
from db.engine import make_engine
from pipeline.exceptions.detector import detect_exceptions
from pipeline.settings import get_settings
from tests.pages.app_session import open_page as open_script
from tests.pages.app_session import signed_in_as
from tests.pages.exception_queue_world import ADDRESS, DELAYED, LOST, PLACED, SHORT, build_queue
from tests.pipeline.exceptions.streams import load, order_until, pick_short

ALLOWED = ("admin", "supervisor", "floor_lead", "support_agent")


def open_page(user: SignedInUser, *, exception: int | None = None, **state) -> AppTest:
    query = {} if exception is None else {"exception": str(exception)}
    return open_script("exception_queue.py", user, query=query, state=state)


@pytest.fixture
def queue(fresh_database_url: str, point_app_at) -> Iterator[tuple[Engine, dict[str, int]]]:
    engine = make_engine(fresh_database_url, pool_size=2)
    ids = build_queue(engine)
    point_app_at(fresh_database_url)
    yield engine, ids
    engine.dispose()


def audit(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        query = "SELECT actor, actor_role, action, entity_id, before, after, note FROM audit_log ORDER BY audit_id"
        return [dict(row) for row in conn.execute(text(query)).mappings()]


def state_of(engine: Engine, exception_id: int) -> dict:
    with engine.connect() as conn:
        query = text("SELECT * FROM order_exception WHERE exception_id = :i")
        return dict(conn.execute(query, {"i": exception_id}).mappings().one())


def button(at: AppTest, label_start: str):
    return next(b for b in at.button if b.label.startswith(label_start))


@pytest.mark.parametrize("role", ALLOWED)
def test_the_roles_that_handle_exceptions_see_the_queue_grouped_by_root_cause(queue, role: str) -> None:
    at = open_page(signed_in_as(role))

    assert not at.exception
    assert [s.value for s in at.subheader] == [
        "Inventory mismatch · 1",
        "Carrier delay · 1",
        "Address issue · 1",
        "Lost · 1",
    ]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Open": "4", "Critical": "1", "Promise at risk": "2", "Escalated": "1"}
    assert [frame.value["Order"].tolist() for frame in at.dataframe] == [
        [SHORT],
        [DELAYED],
        [ADDRESS],
        [LOST],
    ]


def test_a_manager_is_refused_on_the_server(queue) -> None:
    at = open_page(signed_in_as("manager"))

    assert "Exception queue is not available to the manager role" in at.error[0].value
    assert not at.dataframe and not at.metric


def test_a_supervisor_starts_on_their_facility_and_the_filters_narrow_the_queue(queue) -> None:
    at = open_page(signed_in_as("supervisor", "DC-CMH"))
    assert at.selectbox(key="exception_queue_facility").value == "DC-CMH"
    assert [frame.value["Order"].tolist() for frame in at.dataframe] == [[LOST]]

    at.selectbox(key="exception_queue_facility").select("All facilities").run()
    at.selectbox(key="exception_queue_type").select("PICK_SHORT").run()

    assert [frame.value["Order"].tolist() for frame in at.dataframe] == [[SHORT]]


def test_select_a_row_then_one_click_resolves_it_with_the_audit_log_written(queue) -> None:
    engine, ids = queue
    at = open_page(signed_in_as("floor_lead", "DC-RNO"))
    at.session_state["queue_inventory_mismatch"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    at.text_input(key="panel_inventory_mismatch_note").input("Two found on the returns shelf").run()

    button(at, "Resolve").click().run()

    assert not at.exception
    assert state_of(engine, ids[SHORT])["state"] == "resolved"
    (row,) = [r for r in audit(engine) if r["entity_id"] == str(ids[SHORT])]
    assert (row["actor"], row["actor_role"], row["action"], row["note"]) == (
        "floor_lead_1",
        "floor_lead",
        "resolve",
        "Two found on the returns shelf",
    )
    assert (row["before"]["state"], row["after"]["state"]) == ("open", "resolved")
    assert "Resolved: Two found on the returns shelf." in [s.value for s in at.success]
    assert "Inventory mismatch · 1" not in [s.value for s in at.subheader]


def test_re_allocation_is_offered_to_the_facility_with_stock_and_moves_the_order(queue) -> None:
    engine, ids = queue
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sku (sku, description, category, unit_price) VALUES ('SKU-000087', 'x', 'y', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO facility_inventory (facility_id, sku, on_hand) VALUES ('DC-CMH', 'SKU-000087', 8)"
            )
        )
    at = open_page(signed_in_as("supervisor"))
    at.session_state["queue_inventory_mismatch"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()

    labels = [b.label for b in at.button if b.key and b.key.startswith("panel_inventory_mismatch")]
    assert labels[0] == "Re-allocate to DC-CMH"
    button(at, "Re-allocate to DC-CMH").click().run()

    with engine.connect() as conn:
        facility = conn.execute(
            text("SELECT facility_id FROM order_state WHERE order_id = :o"), {"o": SHORT}
        ).scalar()
    assert facility == "DC-CMH"
    assert state_of(engine, ids[SHORT])["resolution"].startswith(
        "Re-allocated 1 short line(s) from DC-RNO to DC-CMH"
    )


def test_an_escalated_exception_offers_its_suggested_next_action_first(queue) -> None:
    engine, ids = queue
    at = open_page(signed_in_as("support_agent"))
    at.session_state["queue_carrier_delay"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()

    panel = [b for b in at.button if b.key and b.key.startswith("panel_carrier_delay")]
    assert panel[0].label == "Suggested: Email the customer about the weather delay"
    panel[0].click().run()

    with engine.connect() as conn:
        message = conn.execute(text("SELECT message_type, exception_id FROM notification")).one()
    assert tuple(message) == ("delivery_delayed", ids[DELAYED])
    assert audit(engine)[-1]["action"] == "notify_customer"


def test_each_role_gets_only_the_buttons_the_permission_table_gives_it(queue) -> None:
    at = open_page(signed_in_as("support_agent"))
    at.session_state["queue_inventory_mismatch"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()

    labels = [b.label for b in at.button if b.key and b.key.startswith("panel_")]
    assert labels == ["Notify the customer", "Assign to me", "Escalate", "Resolve"]


def test_a_deep_link_opens_one_exception_and_assign_to_me_takes_it(queue) -> None:
    engine, ids = queue
    at = open_page(signed_in_as("support_agent"), exception=ids[ADDRESS])

    assert at.subheader[0].value == f"Exception {ids[ADDRESS]}"
    assert [b.label for b in at.button if b.key and b.key.startswith("linked_")][
        0
    ] == "Ask the customer to confirm the address"
    button(at, "Assign to me").click().run()

    assert state_of(engine, ids[ADDRESS])["assigned_to"] == "support_agent_1"


def test_new_exceptions_are_counted_without_resetting_the_view_and_refresh_shows_them(queue) -> None:
    engine, _ = queue
    opened = PLACED + timedelta(hours=12, minutes=35)
    at = open_page(signed_in_as("admin"), exception_queue_opened_at=opened)
    assert any("0 new since you opened at 05:40 UTC" in c.value for c in at.caption)

    placed = opened - timedelta(hours=1)
    load(
        engine,
        [
            *order_until("SO-60000005", placed, "ITEM_PICKED", ship_by=timedelta(days=3)),
            pick_short("SO-60000005", placed + timedelta(minutes=58)),
        ],
    )
    detect_exceptions(engine, now=opened + timedelta(minutes=5))
    st.cache_data.clear()  # as if the count's few seconds of cache had passed
    at.run()

    assert at.info[0].value.startswith("1 new since you opened")
    assert at.dataframe[0].value["Order"].tolist() == [SHORT]
    button(at, "Refresh").click().run()
    assert sorted(at.dataframe[0].value["Order"].tolist()) == [SHORT, "SO-60000005"]


def test_an_unreachable_database_is_a_message_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nowhere")
    get_settings.cache_clear()
    try:
        at = open_page(signed_in_as("admin"))
    finally:
        get_settings.cache_clear()

    assert not at.exception
    assert "cannot be read right now" in at.error[0].value
