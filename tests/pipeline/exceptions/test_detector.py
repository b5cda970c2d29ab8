"""The detector on crafted streams: which events open which exceptions, one per (order, root cause),
what resolves them, the silent failures on a controlled clock, and reading each event exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from pipeline.exceptions.detector import BACKLOG_WAIT, CHECKPOINT, detect_exceptions
from pipeline.inbox import Arrival, land
from pipeline.load import load_events
from tests.canonical_factory import canonical_event, staged
from tests.pipeline.exceptions.streams import (
    carrier_asked,
    carrier_event,
    exceptions_of,
    load,
    order_until,
    pick_short,
    step_time,
)

PLACED = datetime(2026, 11, 16, 17, 5, tzinfo=UTC)


def only(engine: Engine, order_id: str) -> dict:
    found = exceptions_of(engine, order_id)
    assert len(found) == 1, found
    return found[0]


def test_a_short_pick_opens_an_inventory_exception_with_its_evidence_and_short_lines(
    fresh_engine: Engine,
) -> None:
    short = pick_short("SO-20000001", step_time(PLACED, "ITEM_PICKED"))
    load(fresh_engine, [*order_until("SO-20000001", PLACED, "ITEM_PICKED"), short])

    report = detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=1))

    exception = only(fresh_engine, "SO-20000001")
    assert (report.opened, exception["state"]) == (1, "open")
    assert (exception["exception_type"], exception["root_cause"], exception["severity"]) == (
        "PICK_SHORT",
        "inventory_mismatch",
        "high",
    )
    assert exception["facility_id"] == "DC-RNO"
    assert exception["occurred_at"] == step_time(PLACED, "ITEM_PICKED")
    assert [item["event_id"] for item in exception["evidence"]] == [short["event_id"]]
    assert exception["detail"]["short_lines"] == [
        {"sku": "SKU-000087", "qty_short": 1, "qty_picked": 1, "line_no": 2}
    ]


def test_repeated_delay_scans_update_one_exception_and_other_causes_open_their_own(
    fresh_engine: Engine,
) -> None:
    base = order_until("SO-20000002", PLACED, "DEPARTED_HUB")
    first = carrier_event("DELIVERY_DELAYED", "SO-20000002", PLACED + timedelta(hours=13), reason="weather")
    again = carrier_event(
        "DELIVERY_DELAYED",
        "SO-20000002",
        PLACED + timedelta(hours=20),
        reason="weather",
        new_estimated_delivery="2026-11-21",
    )
    address = carrier_event(
        "ADDRESS_ISSUE", "SO-20000002", PLACED + timedelta(hours=30), reason="bad_address"
    )
    load(fresh_engine, [*base, first])
    detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=14))

    load(fresh_engine, [again, address])
    report = detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=31))

    delay, address_issue = exceptions_of(fresh_engine, "SO-20000002")
    assert (report.opened, report.updated) == (1, 1)
    assert (delay["root_cause"], delay["evidence_count"]) == ("carrier_delay", 2)
    assert delay["detail"]["new_estimated_delivery"] == "2026-11-21"
    assert delay["last_evidence_at"] == PLACED + timedelta(hours=20)
    assert (address_issue["root_cause"], address_issue["shipment_id"]) == ("address_issue", "SO-20000002-1")
    assert (address_issue["facility_id"], address_issue["carrier_id"]) == ("DC-RNO", "ups")  # the shipping DC


def test_at_most_one_unresolved_exception_per_order_and_root_cause(fresh_engine: Engine) -> None:
    load(
        fresh_engine, [*order_until("SO-20000003", PLACED, "ITEM_PICKED"), pick_short("SO-20000003", PLACED)]
    )
    detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=1))

    with pytest.raises(IntegrityError), fresh_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO order_exception (exception_type, root_cause, severity, order_id, occurred_at, "
                "opened_at, updated_at, last_evidence_at) SELECT exception_type, root_cause, severity, order_id, "
                "occurred_at, opened_at, updated_at, last_evidence_at FROM order_exception"
            )
        )


def test_a_delay_resolves_itself_when_the_parcel_is_delivered_and_the_automation_says_why(
    fresh_engine: Engine,
) -> None:
    delay = carrier_event("DELIVERY_DELAYED", "SO-20000004", PLACED + timedelta(hours=13), reason="weather")
    load(fresh_engine, [*order_until("SO-20000004", PLACED, "DEPARTED_HUB"), delay])
    detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=14))
    assert only(fresh_engine, "SO-20000004")["state"] == "open"

    load(fresh_engine, [canonical_event("DELIVERED", "SO-20000004", PLACED + timedelta(hours=60))])
    report = detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=61))

    exception = only(fresh_engine, "SO-20000004")
    assert report.resolved == 1
    assert (exception["state"], exception["resolved_by"]) == ("resolved", "automation:detector")
    assert exception["resolution"] == "Delivered at 2026-11-19 05:05 UTC"
    with fresh_engine.connect() as conn:
        audit = conn.execute(text("SELECT * FROM audit_log WHERE entity_type = 'exception'")).mappings().one()
    assert (audit["actor"], audit["actor_role"], audit["action"]) == (
        "automation:detector",
        "automation",
        "resolve",
    )
    assert (audit["before"]["state"], audit["after"]["state"]) == ("open", "resolved")


def test_a_short_pick_the_order_was_packed_after_opens_nothing(fresh_engine: Engine) -> None:
    """A backlog (a first run over weeks of history) brings the short pick and the packing together."""
    short = pick_short("SO-20000031", step_time(PLACED, "ITEM_PICKED"))
    load(fresh_engine, [*order_until("SO-20000031", PLACED, "PACK_COMPLETED"), short])

    report = detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=2))

    assert exceptions_of(fresh_engine, "SO-20000031") == []
    assert (report.opened, report.already_over) == (0, 1)


@pytest.mark.parametrize("backlog_feed", ["wms:DC-RNO", "wms:DC-CMH"], ids=["own feed", "the DC it moved to"])
def test_a_short_pick_waits_while_payloads_older_than_its_load_are_pending(
    fresh_engine: Engine, backlog_feed: str
) -> None:
    """A backlog drains in pieces: the short pick is loaded while the payload that holds the packing is still
    in the inbox (its own DC's change log, or another DC's when the order was moved there). Judged then, it
    would open and resolve minutes later."""
    with fresh_engine.begin() as conn:
        backlog = land(conn, Arrival(backlog_feed, b'{"rows": []}'))
    short = pick_short("SO-20000040", step_time(PLACED, "ITEM_PICKED"))
    load(fresh_engine, [*order_until("SO-20000040", PLACED, "ITEM_PICKED"), short])

    while_pending = detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=2))
    packed = canonical_event("PACK_COMPLETED", "SO-20000040", step_time(PLACED, "PACK_COMPLETED"))
    load(fresh_engine, [packed])
    with fresh_engine.begin() as conn:  # the backlog's payload, read: it held the packing loaded above
        conn.execute(text("UPDATE raw_inbox SET status = 'done' WHERE raw_id = :id"), {"id": backlog})
    once_read = detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=2, minutes=1))

    assert (while_pending.opened, while_pending.waiting, while_pending.events_read) == (0, 1, 5)
    assert (once_read.opened, once_read.already_over) == (0, 1)
    assert exceptions_of(fresh_engine, "SO-20000040") == []


def test_payloads_received_after_a_short_pick_was_loaded_do_not_hold_it_back(fresh_engine: Engine) -> None:
    """A busy inbox always has something pending: only what was there before the event counts."""
    load(fresh_engine, [*order_until("SO-20000041", PLACED, "ITEM_PICKED")])
    load(fresh_engine, [pick_short("SO-20000041", step_time(PLACED, "ITEM_PICKED"))])
    with fresh_engine.begin() as conn:
        land(conn, Arrival("wms:DC-RNO", b'{"rows": []}'))

    report = detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=2))

    assert (report.opened, report.waiting) == (1, 0)
    assert only(fresh_engine, "SO-20000041")["exception_type"] == "PICK_SHORT"


def test_a_backlog_that_outlasts_the_wait_no_longer_holds_a_short_pick_back(fresh_engine: Engine) -> None:
    """A payload stuck in a hung worker's batch must not stop the event rules for good."""
    with fresh_engine.begin() as conn:
        stuck = land(conn, Arrival("wms:DC-RNO", b'{"rows": []}'))
    load(fresh_engine, [*order_until("SO-20000042", PLACED, "ITEM_PICKED")])
    load(fresh_engine, [pick_short("SO-20000042", step_time(PLACED, "ITEM_PICKED"))])
    with fresh_engine.begin() as conn:  # the same backlog, as it stands once BACKLOG_WAIT has passed
        ago = {"wait": BACKLOG_WAIT + timedelta(minutes=1)}
        conn.execute(text("UPDATE event SET loaded_at = loaded_at - :wait"), ago)
        conn.execute(text("UPDATE raw_inbox SET received_at = received_at - :wait - :wait WHERE raw_id = :id"),
                     {**ago, "id": stuck})  # fmt: skip

    report = detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=2))

    assert (report.opened, report.waiting) == (1, 0)


def test_a_delay_scan_read_after_the_delivery_opens_nothing(fresh_engine: Engine) -> None:
    delay = carrier_event("DELIVERY_DELAYED", "SO-20000032", PLACED + timedelta(hours=13), reason="weather")
    load(fresh_engine, [*order_until("SO-20000032", PLACED, "DELIVERED"), delay])

    report = detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=61))

    assert exceptions_of(fresh_engine, "SO-20000032") == []
    assert (report.opened, report.already_over) == (0, 1)


def test_damage_stays_open_for_a_person_even_after_delivery(fresh_engine: Engine) -> None:
    damaged = carrier_event(
        "DELIVERY_EXCEPTION", "SO-20000005", PLACED + timedelta(hours=13), reason="damaged"
    )
    load(fresh_engine, [*order_until("SO-20000005", PLACED, "DELIVERED"), damaged])

    detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=61))

    exception = only(fresh_engine, "SO-20000005")
    assert (exception["root_cause"], exception["severity"], exception["state"]) == (
        "damage",
        "critical",
        "open",
    )


def test_a_lost_parcel_is_critical_and_puts_the_promise_at_risk(fresh_engine: Engine) -> None:
    lost = carrier_event("LOST", "SO-20000006", PLACED + timedelta(days=6))
    load(fresh_engine, [*order_until("SO-20000006", PLACED, "DEPARTED_HUB"), lost])

    detect_exceptions(fresh_engine, now=PLACED + timedelta(days=6, hours=1))

    exception = only(fresh_engine, "SO-20000006")
    assert (exception["root_cause"], exception["severity"], exception["promise_at_risk"]) == (
        "lost",
        "critical",
        True,
    )
    assert exception["promised_delivery_by"] == PLACED + timedelta(days=4)


def test_a_new_estimate_after_the_promised_day_puts_the_promise_at_risk(fresh_engine: Engine) -> None:
    on_time = carrier_event(
        "DELIVERY_DELAYED",
        "SO-20000007",
        PLACED + timedelta(hours=13),
        reason="volume",
        new_estimated_delivery="2026-11-19",
    )
    late = carrier_event(
        "DELIVERY_DELAYED",
        "SO-20000008",
        PLACED + timedelta(hours=13),
        reason="weather",
        new_estimated_delivery="2026-11-22",
        tracking_number="1Z999AA10000000002",
    )
    load(fresh_engine, [*order_until("SO-20000007", PLACED, "DEPARTED_HUB"), on_time])
    load(
        fresh_engine,
        [*order_until("SO-20000008", PLACED, "DEPARTED_HUB", tracking_number="1Z999AA10000000002"), late],
    )

    detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=14))

    assert only(fresh_engine, "SO-20000007")["promise_at_risk"] is False
    assert only(fresh_engine, "SO-20000008")["promise_at_risk"] is True


def test_each_event_is_read_once_and_later_events_are_read_by_the_next_run(fresh_engine: Engine) -> None:
    load(fresh_engine, order_until("SO-20000009", PLACED, "ITEM_PICKED"))
    first = detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=1))
    again = detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=1))
    load(fresh_engine, [pick_short("SO-20000009", PLACED + timedelta(minutes=58))])
    later = detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=1))

    assert (first.events_read, again.events_read, later.events_read) == (5, 0, 1)
    assert later.opened == 1
    with fresh_engine.connect() as conn:
        position = conn.execute(
            text("SELECT position FROM exception_checkpoint WHERE name = :n"), {"n": CHECKPOINT}
        ).scalar_one()
        highest = conn.execute(text("SELECT max(event_pk) FROM event")).scalar_one()
    assert (position["high"], position["gaps"]) == (highest, [])


def test_an_event_committed_after_a_later_one_is_not_skipped(fresh_engine: Engine) -> None:
    """event_pk is taken at insert, not at commit: a slow load's lower pk shows up after a run passed it."""
    load(fresh_engine, order_until("SO-20000010", PLACED, "ITEM_PICKED"))
    slow = fresh_engine.connect()
    slow_tx = slow.begin()
    load_events(slow, staged([pick_short("SO-20000010", PLACED + timedelta(minutes=58))]))
    load(fresh_engine, [pick_short("SO-20000011", PLACED + timedelta(minutes=58))])

    before = detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=1))
    slow_tx.commit()
    slow.close()
    after = detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=1, minutes=1))

    assert (before.opened, after.opened, after.events_read) == (1, 1, 1)
    assert exceptions_of(fresh_engine, "SO-20000010")[0]["root_cause"] == "inventory_mismatch"


def test_no_carrier_scan_after_the_label_opens_a_silent_carrier_exception_at_the_carriers_threshold(
    fresh_engine: Engine,
) -> None:
    load(fresh_engine, order_until("SO-20000012", PLACED, "STAGED_OUTBOUND"))
    label = step_time(PLACED, "LABEL_PRINTED")
    carrier_asked(fresh_engine, "SO-20000012-1", label + timedelta(hours=5))

    quiet = detect_exceptions(fresh_engine, now=label + timedelta(hours=29))
    assert exceptions_of(fresh_engine, "SO-20000012") == [] and quiet.opened == 0
    detect_exceptions(fresh_engine, now=label + timedelta(hours=31))

    exception = only(fresh_engine, "SO-20000012")
    assert (exception["exception_type"], exception["root_cause"]) == ("NO_SCAN_AFTER_LABEL", "silent_carrier")
    assert (exception["carrier_id"], exception["shipment_id"]) == ("ups", "SO-20000012-1")
    assert exception["detail"]["threshold_hours"] == 30


@pytest.mark.parametrize(
    ("asked_after_label", "unread_answer", "why"),
    [
        (None, False, "nobody asked the carrier"),
        (timedelta(hours=-1), False, "asked before the label, not since"),
        (timedelta(hours=30, minutes=58), True, "asked, but the carrier's answer still waits in the inbox"),
    ],
)
def test_a_parcel_is_not_silent_until_its_carrier_was_asked_and_the_answer_read(
    fresh_engine: Engine, asked_after_label: timedelta | None, unread_answer: bool, why: str
) -> None:
    """A first run's history, not yet polled or drained, or a webhook feed that stopped, is our gap."""
    load(fresh_engine, order_until("SO-20000033", PLACED, "STAGED_OUTBOUND"))
    label = step_time(PLACED, "LABEL_PRINTED")
    if asked_after_label is not None:
        carrier_asked(fresh_engine, "SO-20000033-1", label + asked_after_label)
    if unread_answer:
        with fresh_engine.begin() as conn:
            raw_id = land(conn, Arrival("carrier:ups", b'{"trackResponse": {}}'))
            conn.execute(text("UPDATE raw_inbox SET received_at = :at WHERE raw_id = :id"),
                         {"at": label + timedelta(hours=30, minutes=57), "id": raw_id})  # fmt: skip

    report = detect_exceptions(fresh_engine, now=label + timedelta(hours=31))

    assert (exceptions_of(fresh_engine, "SO-20000033"), report.opened) == ([], 0), why
    if unread_answer:  # once the drain has read it, the silence counts
        with fresh_engine.begin() as conn:
            conn.execute(text("UPDATE raw_inbox SET status = 'done' WHERE raw_id = :id"), {"id": raw_id})
        detect_exceptions(fresh_engine, now=label + timedelta(hours=31, minutes=1))
        assert [x["exception_type"] for x in exceptions_of(fresh_engine, "SO-20000033")] == [
            "NO_SCAN_AFTER_LABEL"
        ]


def test_a_regional_carrier_has_a_shorter_silence_threshold(fresh_engine: Engine) -> None:
    events = order_until("SO-20000013", PLACED, "LABEL_PRINTED")
    events[-1] = canonical_event(
        "LABEL_PRINTED",
        "SO-20000013",
        step_time(PLACED, "LABEL_PRINTED"),
        carrier="swiftmile",
        tracking_number="SM000000013",
    )
    load(fresh_engine, events)
    carrier_asked(fresh_engine, "SO-20000013-1", step_time(PLACED, "LABEL_PRINTED") + timedelta(hours=5))

    detect_exceptions(fresh_engine, now=step_time(PLACED, "LABEL_PRINTED") + timedelta(hours=13))

    assert only(fresh_engine, "SO-20000013")["detail"]["threshold_hours"] == 12


def test_scans_that_stop_open_an_exception_that_a_new_scan_resolves(fresh_engine: Engine) -> None:
    load(fresh_engine, order_until("SO-20000014", PLACED, "DEPARTED_HUB"))
    last_scan = step_time(PLACED, "DEPARTED_HUB")
    carrier_asked(fresh_engine, "SO-20000014-1", last_scan + timedelta(hours=40))
    detect_exceptions(fresh_engine, now=last_scan + timedelta(hours=49))
    assert only(fresh_engine, "SO-20000014")["exception_type"] == "NO_SCAN_AFTER_PICKUP"

    load(fresh_engine, [canonical_event("IN_TRANSIT", "SO-20000014", last_scan + timedelta(hours=50))])
    detect_exceptions(fresh_engine, now=last_scan + timedelta(hours=51))

    exception = only(fresh_engine, "SO-20000014")
    assert exception["state"] == "resolved"
    assert exception["resolution"].startswith("The carrier scanned the parcel again at")


def test_ship_by_approaching_with_nothing_picked_is_high_and_critical_once_missed(
    fresh_engine: Engine,
) -> None:
    load(fresh_engine, order_until("SO-20000015", PLACED, "ORDER_RELEASED", ship_by=timedelta(hours=6)))

    detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=1))
    assert exceptions_of(fresh_engine, "SO-20000015") == []
    detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=3))
    warned = only(fresh_engine, "SO-20000015")
    assert (warned["exception_type"], warned["severity"], warned["root_cause"]) == (
        "SHIP_BY_AT_RISK",
        "high",
        "other",
    )

    load(fresh_engine, [canonical_event("PICK_COMPLETED", "SO-20000015", PLACED + timedelta(hours=4))])
    detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=4, minutes=5))
    assert only(fresh_engine, "SO-20000015")["resolution"] == "Picked at 2026-11-16 21:05 UTC"


def test_an_order_not_picked_past_its_ship_by_is_critical(fresh_engine: Engine) -> None:
    load(fresh_engine, order_until("SO-20000016", PLACED, "ORDER_ALLOCATED", ship_by=timedelta(hours=2)))

    detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=3))

    assert only(fresh_engine, "SO-20000016")["severity"] == "critical"


def test_a_stage_held_past_its_threshold_opens_once_and_closes_when_the_order_moves(
    fresh_engine: Engine,
) -> None:
    load(fresh_engine, order_until("SO-20000017", PLACED, "ORDER_RELEASED", ship_by=timedelta(days=3)))
    released = step_time(PLACED, "ORDER_RELEASED")

    detect_exceptions(fresh_engine, now=released + timedelta(hours=7))
    assert exceptions_of(fresh_engine, "SO-20000017") == []
    detect_exceptions(fresh_engine, now=released + timedelta(hours=9))
    again = detect_exceptions(fresh_engine, now=released + timedelta(hours=10))
    stuck = only(fresh_engine, "SO-20000017")
    assert (stuck["exception_type"], stuck["detail"]["stage"], stuck["evidence_count"]) == (
        "STAGE_STUCK",
        "released",
        1,
    )
    assert (again.opened, again.updated) == (0, 0)

    load(fresh_engine, [canonical_event("PICK_STARTED", "SO-20000017", released + timedelta(hours=10))])
    detect_exceptions(fresh_engine, now=released + timedelta(hours=11))
    assert only(fresh_engine, "SO-20000017")["resolution"] == "Moved on to picking"


def test_an_order_held_where_the_carrier_picks_up_is_stuck_only_once_the_carrier_was_asked(
    fresh_engine: Engine,
) -> None:
    load(fresh_engine, order_until("SO-20000034", PLACED, "STAGED_OUTBOUND", ship_by=timedelta(days=5)))
    staged = step_time(PLACED, "STAGED_OUTBOUND")
    held = staged + timedelta(hours=37)  # staged: 36 hours (rules.json)

    not_asked = detect_exceptions(fresh_engine, now=held)
    carrier_asked(fresh_engine, "SO-20000034-1", staged + timedelta(hours=20))
    asked = detect_exceptions(fresh_engine, now=held + timedelta(minutes=1))

    assert not_asked.opened == 0
    stuck = [x for x in exceptions_of(fresh_engine, "SO-20000034") if x["exception_type"] == "STAGE_STUCK"]
    assert [x["detail"]["stage"] for x in stuck] == ["staged"]
    assert asked.opened == 2, "stuck at the dock, and a silent carrier since the label"


@pytest.mark.parametrize(
    ("facility_id", "own_feed", "other_feed"),
    [("DC-RNO", "wms:DC-RNO", "wms:DC-CMH"), ("ST-001", "stores", "wms:DC-RNO")],
)
def test_an_order_is_not_stuck_while_its_facilitys_feed_has_unread_payloads(
    fresh_engine: Engine, facility_id: str, own_feed: str, other_feed: str
) -> None:
    events = order_until(
        "SO-20000035", PLACED, "ORDER_RELEASED", ship_by=timedelta(days=3), facility_id=facility_id
    )
    load(fresh_engine, events)
    released = step_time(PLACED, "ORDER_RELEASED")
    with fresh_engine.begin() as conn:  # a backlog: the facility's own feed and another one, not yet drained
        own = land(conn, Arrival(own_feed, b'{"rows": []}'))
        land(conn, Arrival(other_feed, b'{"rows": []}'))

    while_unread = detect_exceptions(fresh_engine, now=released + timedelta(hours=9))
    with fresh_engine.begin() as conn:
        conn.execute(text("UPDATE raw_inbox SET status = 'done' WHERE raw_id = :id"), {"id": own})
    once_read = detect_exceptions(fresh_engine, now=released + timedelta(hours=9, minutes=1))

    assert while_unread.opened == 0, "the move out of `released` may be in the facility's unread payload"
    assert once_read.opened == 1, "another feed's backlog does not hold this order back"
    assert only(fresh_engine, "SO-20000035")["exception_type"] == "STAGE_STUCK"


def test_nothing_picked_before_the_ship_by_is_judged_only_once_the_dcs_feed_is_read(
    fresh_engine: Engine,
) -> None:
    load(fresh_engine, order_until("SO-20000036", PLACED, "ORDER_RELEASED", ship_by=timedelta(hours=6)))
    with fresh_engine.begin() as conn:
        unread = land(conn, Arrival("wms:DC-RNO", b'{"rows": []}'))

    while_unread = detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=3))
    with fresh_engine.begin() as conn:
        conn.execute(text("UPDATE raw_inbox SET status = 'done' WHERE raw_id = :id"), {"id": unread})
    once_read = detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=3, minutes=1))

    assert (while_unread.opened, once_read.opened) == (0, 1), "the pick may be in the unread change log"
    assert only(fresh_engine, "SO-20000036")["exception_type"] == "SHIP_BY_AT_RISK"


def test_a_silent_episode_a_person_resolved_does_not_open_again(fresh_engine: Engine) -> None:
    from pipeline.actions import Actor, perform

    load(fresh_engine, order_until("SO-20000018", PLACED, "ORDER_RELEASED", ship_by=timedelta(days=3)))
    released = step_time(PLACED, "ORDER_RELEASED")
    detect_exceptions(fresh_engine, now=released + timedelta(hours=9))
    with fresh_engine.begin() as conn:
        perform(
            conn,
            Actor.person("supervisor", "supervisor"),
            "resolve",
            only(fresh_engine, "SO-20000018")["exception_id"],
            note="Waiting for the wave at 06:00",
            now=released + timedelta(hours=9),
        )

    report = detect_exceptions(fresh_engine, now=released + timedelta(hours=12))

    assert report.opened == 0
    assert only(fresh_engine, "SO-20000018")["state"] == "resolved"


def test_a_cancelled_order_closes_its_exceptions(fresh_engine: Engine) -> None:
    load(
        fresh_engine, [*order_until("SO-20000019", PLACED, "ITEM_PICKED"), pick_short("SO-20000019", PLACED)]
    )
    detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=1))

    load(fresh_engine, [canonical_event("ORDER_CANCELLED", "SO-20000019", PLACED + timedelta(hours=2))])
    detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=2, minutes=5))

    assert only(fresh_engine, "SO-20000019")["resolution"].startswith("Order cancelled at")
