"""Choosing how to recover short lines: the cheapest option that keeps the promise within the spending
limit; otherwise why automation cannot act, with the option a person would most likely take."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from pipeline.playbooks.delivery_dates import ServiceLevel
from pipeline.playbooks.policy import load_policy
from pipeline.playbooks.recovery_options import RecoveryFacts, Site, decide, recovery_options

NOW = datetime(2026, 11, 16, 19, 35, tzinfo=UTC)
RNO = Site("DC-RNO", "dc", "America/Los_Angeles")
CMH = Site("DC-CMH", "dc", "America/New_York")
STORE = Site("ST-004", "store", "America/Chicago")
SERVICES = {
    ("usps", "GROUND_ADVANTAGE"): ServiceLevel(
        "usps", "GROUND_ADVANTAGE", "USPS Ground Advantage", 5, time(15)
    ),
    ("ups", "GND"): ServiceLevel("ups", "GND", "UPS Ground", 5, time(17)),
    ("ups", "2DA"): ServiceLevel("ups", "2DA", "UPS 2nd Day Air", 2, time(17)),
}
POLICY = load_policy().inventory


def days_after_ready(ready_at: datetime, site: Site, service: ServiceLevel) -> date:
    """A stand-in estimate: ready day plus the transit days, calendar days only."""
    return (ready_at + timedelta(days=service.transit_business_days)).date()


def facts(**changes) -> RecoveryFacts:
    base = {
        "current": RNO,
        "candidates": [CMH],
        "can_split": True,
        "current_has_stock": True,
        "promised_on": date(2026, 11, 20),
    }
    return RecoveryFacts(**{**base, **changes})


def test_every_facility_is_weighed_with_every_service_it_may_ship_with() -> None:
    options = recovery_options(facts(candidates=[CMH, STORE]), POLICY, SERVICES, NOW, days_after_ready)
    assert {(o.action, o.site.facility_id) for o in options} == {
        ("reallocate", "DC-CMH"),
        ("reallocate", "ST-004"),
        ("split_shipment", "DC-RNO"),
    }
    assert len(options) == 3 * len(SERVICES)
    to_cmh_by_ground = next(o for o in options if o.site == CMH and o.service.service_code == "GND")
    assert to_cmh_by_ground.added_cost == 2.5 + 8.9  # DC-RNO>DC-CMH handling, one more UPS Ground parcel
    assert to_cmh_by_ground.ready_at == NOW + timedelta(hours=8)


def test_the_cheapest_option_that_keeps_the_promise_wins() -> None:
    options = recovery_options(facts(), POLICY, SERVICES, NOW, days_after_ready)
    decision = decide(options, max_added_cost=40)
    assert decision.verdict == "act"
    # Split (bin refilled from reserve, 1.50) by USPS Ground Advantage (7.40), ready Monday + 5 days = Saturday: late.
    # UPS 2nd Day Air from the same facility arrives Wednesday: 1.50 + 17.80 beats re-allocating by 2DA (2.50 + 17.80).
    assert (decision.option.action, decision.option.service.service_code) == ("split_shipment", "2DA")
    assert decision.option.added_cost == 19.3


def test_a_split_that_waits_for_restock_loses_to_a_facility_with_stock() -> None:
    options = recovery_options(facts(current_has_stock=False), POLICY, SERVICES, NOW, days_after_ready)
    decision = decide(options, max_added_cost=40)
    assert (decision.option.action, decision.option.site) == ("reallocate", CMH)


def test_without_a_promise_the_cheapest_option_wins() -> None:
    options = recovery_options(facts(promised_on=None), POLICY, SERVICES, NOW, days_after_ready)
    decision = decide(options, max_added_cost=40)
    assert (decision.option.action, decision.option.service.service_code) == (
        "split_shipment",
        "GROUND_ADVANTAGE",
    )


def test_an_option_on_time_but_above_the_limit_is_left_to_a_person() -> None:
    decision = decide(recovery_options(facts(), POLICY, SERVICES, NOW, days_after_ready), max_added_cost=10)
    assert decision.verdict == "over_budget"
    assert decision.option.added_cost == 19.3 and decision.option.meets_promise


def test_when_nothing_keeps_the_promise_the_earliest_option_is_named() -> None:
    options = recovery_options(facts(promised_on=date(2026, 11, 17)), POLICY, SERVICES, NOW, days_after_ready)
    decision = decide(options, max_added_cost=40)
    assert decision.verdict == "late"
    assert decision.option.delivers_on == date(2026, 11, 18)  # 2nd Day Air from the split, ready at once
    assert decision.option.action == "split_shipment"


def test_no_stock_anywhere_and_nothing_to_ship_now_leaves_no_option() -> None:
    options = recovery_options(facts(candidates=[], can_split=False), POLICY, SERVICES, NOW, days_after_ready)
    assert options == [] and decide(options, 40).verdict == "no_option"
