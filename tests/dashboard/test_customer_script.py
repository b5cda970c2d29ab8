"""What to tell the customer: the rules in dashboard/customer_script.json applied to order situations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.customer_script import OrderSituation, SituationEvent, script_for
from dashboard.customer_script_rules import known_stages, script_book

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 5, 12, 18, 0, tzinfo=UTC)
PROMISE = datetime(2026, 5, 14, 4, 59, 59, tzinfo=UTC)  # Wednesday May 13, 23:59:59 in Chicago


def event(kind: str, hours_ago: float, **attributes) -> SituationEvent:
    return SituationEvent(kind, NOW - timedelta(hours=hours_ago), attributes)


def situation(stage: str, *events: SituationEvent, **facts) -> OrderSituation:
    defaults = {
        "on_hold": False,
        "zone": CHICAGO,
        "now": NOW,
        "promised_delivery_by": PROMISE,
        "carrier": "UPS",
        "tracking_number": "1Z999AA10000000001",
        "parcels": 1,
        "facility": "Reno distribution center",
        "status_text": "Your order is on its way",
    }
    return OrderSituation(stage=stage, events=tuple(events), **{**defaults, **facts})


SHIPPED = (event("ORDER_RECEIVED", 90), event("CARRIER_PICKUP", 60))


def test_a_weather_delay_apologises_and_gives_the_carriers_new_estimate():
    delayed = event("DELIVERY_DELAYED", 5, reason="weather", new_estimated_delivery="2026-05-14")

    script = script_for(situation("in_transit", *SHIPPED, delayed, carrier_estimate=date(2026, 5, 14)))

    assert script.rule_id == "delayed_weather"
    assert script.headline == "Delayed by weather"
    assert script.say[0].startswith("Apologise: bad weather")
    assert "UPS's new estimate is Thursday, May 14." in script.say


def test_a_line_whose_fact_is_unknown_is_left_out():
    delayed = event("DELIVERY_DELAYED", 5, reason="volume")

    script = script_for(situation("in_transit", *SHIPPED, delayed))

    assert script.rule_id == "delayed"
    assert not any("estimate" in line for line in script.say)
    assert "Apologise: the package is running late with UPS." in script.say


def test_a_delay_is_over_once_the_parcel_is_out_for_delivery():
    delayed = event("DELIVERY_DELAYED", 20, reason="weather")

    script = script_for(situation("out_for_delivery", *SHIPPED, delayed, event("OUT_FOR_DELIVERY", 2)))

    assert script.rule_id == "out_for_delivery"


def test_delivered_today_points_to_the_photo_and_neighbours_and_when_a_claim_can_start():
    delivered = event("DELIVERED", 3, proof="photo")

    script = script_for(situation("delivered", *SHIPPED, delivered))

    assert script.rule_id == "delivered_today"
    assert "UPS delivered the package on Tuesday, May 12 at 10:00 AM CDT." in script.say
    assert any("neighbour" in line for line in script.say)
    assert "The carrier holds a photo as proof of delivery: describe it to the customer." in script.do
    assert any("from Wednesday, May 13 at 10:00 AM CDT" in line for line in script.do)


def test_reported_not_received_a_day_after_delivery_opens_a_claim():
    delivered = event("DELIVERED", 30, proof="signature")
    reported = event("CUSTOMER_REPORTED_ISSUE", 1, issue="not_received")

    script = script_for(situation("delivered", *SHIPPED, delivered, reported))

    assert script.rule_id == "delivered_missing_claim"
    assert script.do == ("Open a claim with the carrier now and offer a replacement or refund.",)


def test_reported_not_received_within_the_day_still_checks_the_photo_first():
    delivered = event("DELIVERED", 6, proof="photo")
    reported = event("CUSTOMER_REPORTED_ISSUE", 1, issue="not_received")

    assert script_for(situation("delivered", *SHIPPED, delivered, reported)).rule_id == "delivered_today"


def test_no_proof_of_delivery_leaves_the_proof_line_out():
    script = script_for(situation("delivered", *SHIPPED, event("DELIVERED", 40, proof="none")))

    assert script.rule_id == "delivered"
    assert not any("proof of delivery:" in line for line in script.do)
    assert any("open a claim" in line for line in script.do)


def test_an_order_held_for_its_address_asks_to_confirm_the_address():
    hold = event("ORDER_ON_HOLD", 2, reason="address_verification")

    script = script_for(situation("allocated", event("ORDER_RECEIVED", 5), hold, on_hold=True))

    assert script.rule_id == "hold_address"
    assert any("confirm the delivery address" in line for line in script.say)


def test_a_released_hold_no_longer_speaks_of_the_hold():
    hold = event("ORDER_ON_HOLD", 4, reason="address_verification")
    released = event("ORDER_HOLD_RELEASED", 1)

    script = script_for(situation("picking", event("ORDER_RECEIVED", 5), hold, released))

    assert script.rule_id == "in_the_warehouse"
    assert script.say == (
        "The order is being prepared at Reno distribution center.",
        "It is promised by Wednesday, May 13.",
    )


def test_a_hold_for_another_reason_says_it_in_plain_words():
    hold = event("ORDER_ON_HOLD", 2, reason="inventory")

    script = script_for(situation("allocated", hold, on_hold=True))

    assert (script.rule_id, script.say) == (
        "on_hold",
        ("The order is paused for stock to arrive; it continues as soon as that is settled.",),
    )


def test_an_address_issue_from_the_carrier_asks_for_the_full_address():
    issue = event("ADDRESS_ISSUE", 2, reason="incomplete_address")

    script = script_for(situation("in_transit", *SHIPPED, issue))

    assert script.rule_id == "address_issue"
    assert "UPS cannot deliver to the address as given (the address is incomplete)." in script.say


def test_an_open_exception_root_cause_chooses_the_guidance():
    script = script_for(
        situation("in_transit", *SHIPPED, open_exception_causes=frozenset({"silent_carrier"}))
    )

    assert script.rule_id == "silent_carrier"


def test_a_split_order_with_one_parcel_delivered_says_how_many_parcels():
    script = script_for(situation("partially_delivered", *SHIPPED, event("DELIVERED", 2), parcels=2))

    assert script.rule_id == "partially_delivered"
    assert (
        script.say[0] == "The order travels in 2 packages; one has been delivered, the rest are on the way."
    )


def test_a_store_pickup_ready_gives_the_store_and_the_deadline():
    ready = event("READY_FOR_STORE_PICKUP", 1, pickup_by="2026-05-15T21:00:00-05:00")

    script = script_for(situation("ready_for_pickup", ready, facility="Chicago State St"))

    assert script.say == (
        "The order is ready at Chicago State St.",
        "Please collect it by Friday, May 15 at 9:00 PM CDT, with ID and the order number.",
    )


@pytest.mark.parametrize("stage", sorted(known_stages()))
def test_every_stage_gets_guidance(stage: str):
    script = script_for(situation(stage, *SHIPPED))

    assert script.say and all("{" not in line for line in script.say + script.do)


def test_the_rules_file_is_valid_and_ends_with_a_rule_for_anything():
    book = script_book()

    assert book.rules[-1].id == "anything_else"
    fallback = script_for(situation("unknown"))
    assert fallback.rule_id == "anything_else"
    assert fallback.say[0] == "The latest update: Your order is on its way."
    assert script_for(situation("unknown", status_text=None)).say == (
        "We are checking the order and will get back to you as soon as we know more.",
    )
