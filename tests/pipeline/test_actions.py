"""The one action service: role checks, the work each action does, the audit log, and the address
confirmation link. A person's click and a playbook call the same `perform`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, text

from pipeline.actions import (
    ActionRefusedError,
    Actor,
    IllegalTransitionError,
    PermissionDeniedError,
    actions_for,
    confirm_address,
    perform,
)
from pipeline.exceptions.address_tokens import ExpiredTokenError, InvalidTokenError
from pipeline.exceptions.detector import detect_once
from pipeline.settings import Settings
from tests.pipeline.exceptions.streams import carrier_event, exceptions_of, load, order_until, pick_short

PLACED = datetime(2026, 11, 16, 17, 5, tzinfo=UTC)
NOW = PLACED + timedelta(hours=2)
SUPERVISOR = Actor.person("supervisor", "supervisor")
AGENT = Actor.person("support_agent", "support_agent")
SETTINGS = Settings(
    action_token_secret="test-secret", public_base_url="https://track.example", notify_quiet_hours=""
)


def stock(conn: Connection, **on_hand: dict[str, int]) -> None:
    """on_hand: facility id (underscored) -> {sku: units}."""
    for facility, skus in on_hand.items():
        for sku, units in skus.items():
            conn.execute(
                text(
                    "INSERT INTO sku (sku, description, category, unit_price) VALUES (:s, 'Test item', 'test', 9.99)"
                    " ON CONFLICT DO NOTHING"
                ),
                {"s": sku},
            )
            conn.execute(
                text("INSERT INTO facility_inventory (facility_id, sku, on_hand) VALUES (:f, :s, :n)"),
                {"f": facility.replace("_", "-"), "s": sku, "n": units},
            )


def short_picked(conn: Connection, order_id: str, **order) -> dict:
    load(
        conn,
        [
            *order_until(order_id, PLACED, "ITEM_PICKED", **order),
            pick_short(order_id, PLACED + timedelta(minutes=58)),
        ],
    )
    detect_once(conn, now=NOW)
    return exceptions_of(conn, order_id)[0]


def delayed(conn: Connection, order_id: str, **order) -> dict:
    delay = carrier_event(
        "DELIVERY_DELAYED",
        order_id,
        PLACED + timedelta(hours=13),
        reason="weather",
        new_estimated_delivery="2026-11-21",
    )
    load(conn, [*order_until(order_id, PLACED, "DEPARTED_HUB", **order), delay])
    detect_once(conn, now=PLACED + timedelta(hours=14))
    return exceptions_of(conn, order_id)[0]


def address_issue(conn: Connection, order_id: str) -> dict:
    issue = carrier_event("ADDRESS_ISSUE", order_id, PLACED + timedelta(hours=13), reason="bad_address")
    load(conn, [*order_until(order_id, PLACED, "DEPARTED_HUB"), issue])
    detect_once(conn, now=PLACED + timedelta(hours=14))
    return exceptions_of(conn, order_id)[0]


def audit_rows(conn: Connection, exception_id: int) -> list[dict]:
    query = text(
        "SELECT * FROM audit_log WHERE entity_type = 'exception' AND entity_id = :id ORDER BY audit_id"
    )
    return [dict(r) for r in conn.execute(query, {"id": str(exception_id)}).mappings()]


def order_state(conn: Connection, order_id: str) -> dict:
    return dict(
        conn.execute(text("SELECT * FROM order_state WHERE order_id = :o"), {"o": order_id}).mappings().one()
    )


def test_a_role_outside_the_permission_table_is_refused_and_nothing_is_written(conn: Connection) -> None:
    exception = short_picked(conn, "SO-30000001")

    with pytest.raises(PermissionDeniedError) as refused:
        perform(conn, Actor.person("manager", "manager"), "resolve", exception["exception_id"], note="done")
    with pytest.raises(PermissionDeniedError):
        perform(conn, Actor.person("floor_lead", "floor_lead"), "notify_customer", exception["exception_id"])

    assert (refused.value.field, refused.value.rule) == ("role", "permission")
    assert "the manager role may not resolve" in str(refused.value)
    assert audit_rows(conn, exception["exception_id"]) == []


def test_resolving_writes_who_when_what_before_and_after_to_the_audit_log(conn: Connection) -> None:
    exception = short_picked(conn, "SO-30000002")

    result = perform(
        conn, SUPERVISOR, "resolve", exception["exception_id"], note="Found two in returns", now=NOW
    )

    (audit,) = audit_rows(conn, exception["exception_id"])
    assert (audit["actor"], audit["actor_role"], audit["action"], audit["at"]) == (
        "supervisor",
        "supervisor",
        "resolve",
        NOW,
    )
    assert (audit["before"]["state"], audit["after"]["state"], audit["note"]) == (
        "open",
        "resolved",
        "Found two in returns",
    )
    assert (result.changed, result.audit_id, result.message) == (
        True,
        audit["audit_id"],
        "Resolved: Found two in returns",
    )
    resolved = exceptions_of(conn, "SO-30000002")[0]
    assert (resolved["resolved_by"], resolved["resolved_at"], resolved["state_changes"]) == (
        "supervisor",
        NOW,
        1,
    )


def test_parameters_are_checked_and_errors_name_the_field_and_rule(conn: Connection) -> None:
    exception = short_picked(conn, "SO-30000003")

    with pytest.raises(ActionRefusedError) as no_note:
        perform(conn, SUPERVISOR, "resolve", exception["exception_id"])
    with pytest.raises(ActionRefusedError) as extra:
        perform(conn, SUPERVISOR, "assign_to_me", exception["exception_id"], urgency="high")
    with pytest.raises(ActionRefusedError) as unknown:
        perform(conn, SUPERVISOR, "teleport", exception["exception_id"])

    assert (no_note.value.field, no_note.value.rule) == ("note", "missing")
    assert (extra.value.field, extra.value.rule) == ("urgency", "extra_forbidden")
    assert (unknown.value.field, unknown.value.rule) == ("action", "unknown_action")


def test_illegal_transitions_are_refused_with_a_clear_error(conn: Connection) -> None:
    exception = short_picked(conn, "SO-30000004")
    perform(conn, SUPERVISOR, "escalate", exception["exception_id"], reason="No stock in either DC", now=NOW)

    with pytest.raises(IllegalTransitionError) as illegal:
        perform(conn, SUPERVISOR, "escalate", exception["exception_id"], reason="Again", now=NOW)
    perform(conn, SUPERVISOR, "resolve", exception["exception_id"], note="Refunded the line", now=NOW)
    with pytest.raises(ActionRefusedError) as closed:
        perform(conn, SUPERVISOR, "assign_to_me", exception["exception_id"], now=NOW)

    assert str(illegal.value) == (
        f"state: exception {exception['exception_id']} cannot go from 'escalated' to 'escalated'; from 'escalated' "
        "it may go to resolved (rule: transition)"
    )
    assert (closed.value.rule, closed.value.field) == ("resolved", "state")


def test_reallocating_emits_a_canonical_event_moves_the_order_and_resolves(conn: Connection) -> None:
    stock(conn, DC_CMH={"SKU-000087": 40}, ST_003={"SKU-000087": 90}, DC_RNO={"SKU-000087": 0})
    exception = short_picked(conn, "SO-30000005")

    result = perform(conn, SUPERVISOR, "reallocate", exception["exception_id"], now=NOW)

    event = conn.execute(text("SELECT * FROM event WHERE source = 'waypoint:actions'")).mappings().one()
    assert event["event_id"] == result.events[0] == f"exception-{exception['exception_id']}-reallocate-DC-CMH"
    assert (event["event_type"], event["facility_id"], event["occurred_at"]) == (
        "ORDER_REALLOCATED",
        "DC-RNO",
        NOW,
    )
    assert event["attributes"] == {
        "from_facility": "DC-RNO",
        "to_facility": "DC-CMH",
        "reason": "no_stock",
        "lines": [{"sku": "SKU-000087", "qty": 1, "line_no": 2}],
    }
    assert (
        conn.execute(text("SELECT status FROM raw_inbox WHERE raw_id = :r"), {"r": event["raw_id"]}).scalar()
        == "done"
    )
    assert order_state(conn, "SO-30000005")["facility_id"] == "DC-CMH"
    assert (result.before["order"], result.after["order"]) == (
        {"facility_id": "DC-RNO"},
        {"facility_id": "DC-CMH"},
    )
    assert exceptions_of(conn, "SO-30000005")[0]["state"] == "resolved"
    assert (
        result.message == "Re-allocated 1 short line(s) from DC-RNO to DC-CMH (Columbus distribution center)"
    )


def test_a_chosen_facility_without_the_stock_is_refused_and_nothing_is_emitted(conn: Connection) -> None:
    stock(conn, ST_003={"SKU-000087": 90}, ST_004={"SKU-000087": 0})
    exception = short_picked(conn, "SO-30000006")

    with pytest.raises(ActionRefusedError) as refused:
        perform(conn, SUPERVISOR, "reallocate", exception["exception_id"], to_facility="ST-004", now=NOW)
    result = perform(conn, SUPERVISOR, "reallocate", exception["exception_id"], to_facility="ST-003", now=NOW)

    assert (refused.value.field, refused.value.rule) == ("to_facility", "no_stock")
    assert result.after["order"] == {"facility_id": "ST-003"}
    assert conn.execute(text("SELECT count(*) FROM event WHERE source = 'waypoint:actions'")).scalar() == 1


def test_splitting_ships_what_was_picked_now_and_the_short_quantity_later(conn: Connection) -> None:
    exception = short_picked(conn, "SO-30000007")

    perform(
        conn, Actor.automation("inventory_mismatch"), "split_shipment", exception["exception_id"], now=NOW
    )

    split = conn.execute(text("SELECT attributes FROM event WHERE event_type = 'ORDER_SPLIT'")).scalar_one()
    assert split == {
        "reason": "short_pick",
        "shipments": [
            {
                "shipment_id": "SO-30000007-1",
                "lines": [
                    {"line_no": 1, "sku": "SKU-004512", "uom": "EA", "qty": 1},
                    {"line_no": 2, "sku": "SKU-000087", "uom": "EA", "qty": 1},
                ],
            },
            {
                "shipment_id": "SO-30000007-2",
                "lines": [{"line_no": 2, "sku": "SKU-000087", "uom": "EA", "qty": 1}],
            },
        ],
    }
    (audit,) = audit_rows(conn, exception["exception_id"])
    assert (audit["actor"], audit["actor_role"]) == ("automation:inventory_mismatch", "automation")


def test_notifying_writes_one_outbox_message_per_exception_and_state_change(conn: Connection) -> None:
    exception = delayed(conn, "SO-30000008")
    now = PLACED + timedelta(hours=15)

    first = perform(conn, AGENT, "notify_customer", exception["exception_id"], now=now, settings=SETTINGS)
    again = perform(conn, AGENT, "notify_customer", exception["exception_id"], now=now, settings=SETTINGS)
    perform(conn, AGENT, "escalate", exception["exception_id"], reason="Customer called twice", now=now)
    after_escalation = perform(
        conn, AGENT, "notify_customer", exception["exception_id"], now=now, settings=SETTINGS
    )

    rows = conn.execute(text("SELECT * FROM notification ORDER BY notification_id")).mappings().all()
    assert len(rows) == 2
    assert (first.changed, again.changed, after_escalation.changed) == (True, False, True)
    assert (rows[0]["channel"], rows[0]["status"], rows[0]["due_at"]) == ("sms", "pending", now)
    assert (
        rows[0]["body"]
        == "Weather delay in your area — new estimate Saturday, November 21. Order SO-30000008."
    )
    assert "ann.lee" not in rows[0]["body"] and rows[0]["exception_id"] == exception["exception_id"]


def test_a_customer_without_contact_details_cannot_be_notified(conn: Connection) -> None:
    exception = delayed(conn, "SO-30000009", email=None, phone=None)

    with pytest.raises(ActionRefusedError) as refused:
        perform(conn, AGENT, "notify_customer", exception["exception_id"], now=NOW, settings=SETTINGS)

    assert (refused.value.field, refused.value.rule) == ("customer", "no_contact")


def test_address_confirmation_holds_the_order_and_the_link_releases_it(conn: Connection) -> None:
    exception = address_issue(conn, "SO-30000010")
    asked_at = PLACED + timedelta(hours=15)

    asked = perform(
        conn,
        Actor.automation("address_issue"),
        "request_address_confirmation",
        exception["exception_id"],
        now=asked_at,
        settings=SETTINGS,
    )

    assert order_state(conn, "SO-30000010")["on_hold"] is True
    waiting = exceptions_of(conn, "SO-30000010")[0]
    assert (waiting["state"], waiting["automation"]) == ("automating", "address_confirmation")
    message = conn.execute(text("SELECT * FROM notification")).mappings().one()
    assert (message["message_type"], message["channel"]) == ("address_confirmation", "email")
    link = next(word for word in message["body"].split() if word.startswith("https://track.example/"))
    token = link.rsplit("/", 1)[1]
    assert "valid" not in token and asked.after["order"] == {"on_hold": True}

    confirmed = confirm_address(conn, token, now=asked_at + timedelta(hours=3), settings=SETTINGS)
    twice = confirm_address(conn, token, now=asked_at + timedelta(hours=4), settings=SETTINGS)

    assert order_state(conn, "SO-30000010")["on_hold"] is False
    done = exceptions_of(conn, "SO-30000010")[0]
    assert (done["state"], done["resolved_by"]) == ("resolved", "automation:address_confirmation")
    assert (confirmed.changed, twice.changed, twice.message) == (
        True,
        False,
        "The address was already confirmed",
    )
    released = conn.execute(
        text("SELECT attributes FROM event WHERE event_type = 'ORDER_HOLD_RELEASED'")
    ).scalar_one()
    assert released == {"reason": "address_verification"}


def test_a_tampered_or_expired_link_is_refused(conn: Connection) -> None:
    exception = address_issue(conn, "SO-30000011")
    perform(
        conn, AGENT, "request_address_confirmation", exception["exception_id"], now=NOW, settings=SETTINGS
    )
    body = conn.execute(text("SELECT body FROM notification")).scalar_one()
    token = next(w for w in body.split() if w.startswith("https://")).rsplit("/", 1)[1]

    with pytest.raises(InvalidTokenError):
        confirm_address(
            conn, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), now=NOW, settings=SETTINGS
        )
    with pytest.raises(InvalidTokenError):
        confirm_address(conn, token, now=NOW, settings=Settings(action_token_secret="another-secret"))
    with pytest.raises(ExpiredTokenError):
        confirm_address(conn, token, now=NOW + timedelta(hours=73), settings=SETTINGS)
    assert order_state(conn, "SO-30000011")["on_hold"] is True


def test_an_escalation_offers_its_suggested_next_action_first(conn: Connection) -> None:
    exception = short_picked(conn, "SO-30000012")

    perform(
        conn,
        Actor.automation("inventory_mismatch"),
        "escalate",
        exception["exception_id"],
        now=NOW,
        reason="No facility has SKU-000087 on hand",
        suggested_action="split_shipment",
        suggested_label="Ship line 1 now, line 2 when restocked",
    )

    escalated = exceptions_of(conn, "SO-30000012")[0]
    assert (
        escalated["state"] == "escalated"
        and escalated["escalation_reason"] == "No facility has SKU-000087 on hand"
    )
    assert actions_for(escalated, "supervisor")[0] == "split_shipment"
    assert escalated["suggested_label"] == "Ship line 1 now, line 2 when restocked"
    with pytest.raises(ActionRefusedError) as refused:
        perform(
            conn,
            SUPERVISOR,
            "escalate",
            short_picked(conn, "SO-30000013")["exception_id"],
            reason="x",
            suggested_action="teleport",
        )
    assert refused.value.field == "suggested_action"


def test_assign_to_me_is_for_people(conn: Connection) -> None:
    exception = short_picked(conn, "SO-30000014")

    result = perform(conn, SUPERVISOR, "assign_to_me", exception["exception_id"], now=NOW)
    with pytest.raises(PermissionDeniedError):
        perform(
            conn, Actor.automation("inventory_mismatch"), "assign_to_me", exception["exception_id"], now=NOW
        )

    assert (result.before["assigned_to"], result.after["assigned_to"]) == (None, "supervisor")


def test_a_playbook_takes_an_open_exception_into_automation(conn: Connection) -> None:
    exception = delayed(conn, "SO-30000015")

    result = perform(
        conn,
        Actor.automation("carrier_delay"),
        "automate",
        exception["exception_id"],
        playbook="carrier_delay",
    )

    assert (result.before["state"], result.after["state"], result.after["automation"]) == (
        "open",
        "automating",
        "carrier_delay",
    )
    with pytest.raises(PermissionDeniedError):
        perform(conn, SUPERVISOR, "automate", exception["exception_id"], playbook="carrier_delay")


def test_the_actions_offered_depend_on_the_root_cause_and_the_role(conn: Connection) -> None:
    short = short_picked(conn, "SO-30000016")
    delay = delayed(
        conn,
        "SO-30000017",
    )

    assert actions_for(short, "supervisor") == [
        "reallocate",
        "split_shipment",
        "notify_customer",
        "assign_to_me",
        "escalate",
        "resolve",
    ]
    assert actions_for(short, "support_agent") == ["notify_customer", "assign_to_me", "escalate", "resolve"]
    assert actions_for(delay, "floor_lead") == ["assign_to_me", "escalate", "resolve"]
    assert actions_for(delay, "manager") == []
