"""The rules as pure functions: findings from events, the silent thresholds, verdicts and promise risk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.exceptions.detection import (
    OrderFacts,
    event_findings,
    merged_detail,
    promise_at_risk,
    silent_finding,
    verdict,
)
from pipeline.exceptions.rules import load_rules

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
RULES = load_rules()


def facts(**changes) -> OrderFacts:
    base = dict(
        stage="in_transit",
        stage_entered_at=NOW - timedelta(days=1),
        picked_at=None,
        packed_at=None,
        carrier_pickup_at=NOW - timedelta(days=1),
        out_for_delivery_at=None,
        delivered_at=None,
        ready_for_pickup_at=None,
        cancelled_at=None,
        ship_by=NOW - timedelta(days=1, hours=2),
        promised_delivery_by=NOW + timedelta(days=3),
        destination_time_zone="America/Chicago",
    )
    return OrderFacts(**{**base, **changes})


def exception(exception_type: str, **detail) -> dict:
    return {"exception_type": exception_type, "detail": detail, "last_evidence_at": NOW - timedelta(hours=6)}


def event(event_type: str, **attributes) -> dict:
    return {
        "event_pk": 7,
        "source": "carrier:ups",
        "event_id": "e7",
        "event_type": event_type,
        "occurred_at": NOW,
        "order_id": "SO-1",
        "shipment_id": "SO-1-1",
        "facility_id": None,
        "carrier": "ups",
        "attributes": attributes,
    }


def test_events_without_a_rule_make_no_finding_and_a_reason_can_change_the_root_cause() -> None:
    found = event_findings([event("IN_TRANSIT"), event("RETURN_TO_SENDER", reason="undeliverable")], RULES)
    assert [(f.exception_type, f.root_cause, f.severity) for f in found] == [
        ("RETURN_TO_SENDER", "address_issue", "high")
    ]
    assert found[0].evidence == {
        "event_pk": 7,
        "source": "carrier:ups",
        "event_id": "e7",
        "event_type": "RETURN_TO_SENDER",
        "occurred_at": NOW.isoformat(),
    }


def test_short_lines_accumulate_one_per_line_and_newer_facts_win() -> None:
    first = {"reason": "no_stock", "short_lines": [{"line_no": 2, "sku": "A", "qty_short": 1}]}
    second = {
        "reason": "damaged",
        "short_lines": [{"line_no": 2, "sku": "A", "qty_short": 2}, {"sku": "B", "qty_short": 1}],
    }
    merged = merged_detail(first, second)
    assert merged["reason"] == "damaged"
    assert merged["short_lines"] == [{"line_no": 2, "sku": "A", "qty_short": 2}, {"sku": "B", "qty_short": 1}]


def test_a_silent_rule_fires_only_past_the_threshold_of_the_facility_and_carrier() -> None:
    row = {
        "order_id": "SO-1",
        "shipment_id": "SO-1-1",
        "facility_id": "DC-RNO",
        "carrier_id": "usps",
        "carrier_pickup_at": NOW - timedelta(hours=60),
        "last_scan_at": NOW - timedelta(hours=50),
        "ship_by": None,
    }
    assert silent_finding("NO_SCAN_AFTER_PICKUP", row, RULES, NOW) is None  # usps: 72 h
    finding = silent_finding(
        "NO_SCAN_AFTER_PICKUP", {**row, "carrier_id": "ups"}, RULES, NOW
    )  # default: 48 h
    assert (
        finding is not None
        and finding.episode == f"NO_SCAN_AFTER_PICKUP:{(NOW - timedelta(hours=50)).isoformat()}"
    )
    assert finding.detail == {"silent_since": (NOW - timedelta(hours=50)).isoformat(), "threshold_hours": 48}


def test_verdicts_say_why_in_plain_words() -> None:
    delivered = facts(
        delivered_at=NOW - timedelta(hours=1),
        has_shipment=True,
        shipment_delivered_at=NOW - timedelta(hours=1),
    )
    assert verdict(exception("DELIVERY_DELAYED"), delivered, RULES) == "Delivered at 2026-11-18 11:00 UTC"
    assert verdict(exception("DELIVERY_DELAYED"), facts(), RULES) is None
    assert verdict(exception("DELIVERY_EXCEPTION", reason="damaged"), delivered, RULES) is None  # manual
    assert (
        verdict(exception("PICK_SHORT"), facts(packed_at=NOW - timedelta(hours=7)), RULES) is None
    )  # packed before
    assert verdict(exception("PICK_SHORT"), facts(packed_at=NOW - timedelta(hours=1)), RULES).startswith(
        "Packed at"
    )
    assert verdict(exception("LOST"), facts(cancelled_at=NOW), RULES).startswith("Order cancelled at")


def test_the_promise_is_at_risk_when_late_or_likely_late_and_never_once_delivered() -> None:
    limits = RULES.thresholds_for("DC-RNO", "ups")
    assert promise_at_risk("carrier_delay", {}, facts(), limits, NOW) is False
    assert (
        promise_at_risk("carrier_delay", {"new_estimated_delivery": "2026-11-22"}, facts(), limits, NOW)
        is True
    )
    assert (
        promise_at_risk(
            "carrier_delay", {}, facts(promised_delivery_by=NOW + timedelta(hours=20)), limits, NOW
        )
        is True
    )
    assert promise_at_risk("other", {}, facts(carrier_pickup_at=None), limits, NOW) is True  # ship-by missed
    assert promise_at_risk("lost", {}, facts(), limits, NOW) is True
    assert promise_at_risk("lost", {}, facts(delivered_at=NOW), limits, NOW) is False


def test_a_delivery_ends_any_exception_not_left_to_a_person() -> None:
    delivered = facts(delivered_at=NOW - timedelta(hours=1))
    assert verdict(exception("SHIP_BY_AT_RISK"), delivered, RULES) == "Delivered at 2026-11-18 11:00 UTC"
    assert verdict(exception("STAGE_STUCK", stage="released"), facts(stage=None), RULES) is None
    assert verdict(exception("RETURN_TO_SENDER"), delivered, RULES) is None
