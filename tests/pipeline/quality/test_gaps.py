"""Lifecycle gaps: each rule of gaps.json fires on its crafted order and stays silent on a complete one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.quality.gaps import OrderEvent, find_gaps
from pipeline.quality.rulebook import gap_rules
from pipeline.taxonomy import Stage, latest_definitions

RULES = gap_rules()
T0 = datetime(2026, 11, 10, 9, tzinfo=UTC)
SETTLED = T0 + timedelta(days=5)
FULL = ["PICK_COMPLETED", "PACK_COMPLETED", "LABEL_PRINTED", "CARRIER_PICKUP", "IN_TRANSIT",
        "OUT_FOR_DELIVERY", "DELIVERED"]  # fmt: skip


def order(types: list[str], *, flags: dict[str, tuple[str, ...]] | None = None) -> list[OrderEvent]:
    events = []
    for minutes, event_type in enumerate(types):
        carrier_stage = latest_definitions()[event_type].stage == Stage.CARRIER
        events.append(
            OrderEvent(
                source="carrier:ups" if carrier_stage else "wms:DC-RNO",
                event_id=f"E{minutes}",
                event_type=event_type,
                occurred_at=T0 + timedelta(hours=minutes),
                order_id="WO-1",
                facility_id=None if carrier_stage else "DC-RNO",
                shipment_id="WO-1-1" if carrier_stage or event_type == "LABEL_PRINTED" else None,
                carrier="ups" if carrier_stage else None,
                tracking_number="1Z1" if carrier_stage else None,
                flags=(flags or {}).get(event_type, ()),
            )
        )
    return events


def rules_fired(events: list[OrderEvent], settled: datetime = SETTLED) -> list[str]:
    return [gap.rule for gap in find_gaps(events, RULES, settled_before=settled)]


def test_a_complete_order_has_no_gap() -> None:
    assert rules_fired(order(FULL)) == []


@pytest.mark.parametrize(
    ("missing", "rule"),
    [
        ("PACK_COMPLETED", "label_without_pack"),
        ("PICK_COMPLETED", "pack_without_pick"),
        ("CARRIER_PICKUP", "scan_without_pickup"),
        ("OUT_FOR_DELIVERY", "delivered_without_scan_before"),
    ],
)
def test_each_rule_fires_on_its_missing_event(missing: str, rule: str) -> None:
    gaps = find_gaps(order([t for t in FULL if t != missing]), RULES, settled_before=SETTLED)
    assert [gap.rule for gap in gaps] == [rule]
    assert gaps[0].missing_type == missing


def test_the_gap_is_dated_by_its_earliest_evidence_and_blamed_on_its_source() -> None:
    (gap,) = find_gaps(order([t for t in FULL if t != "CARRIER_PICKUP"]), RULES, settled_before=SETTLED)
    assert gap.evidence.event_type == "IN_TRANSIT"
    assert gap.source == "carrier:ups"
    assert gap.shipment_id == "WO-1-1"


def test_young_evidence_is_not_a_gap_yet() -> None:
    events = order([t for t in FULL if t != "PACK_COMPLETED"])
    assert rules_fired(events, settled=T0) == []


def test_held_for_pickup_excuses_a_delivery_without_out_for_delivery() -> None:
    events = order(["PICK_COMPLETED", "PACK_COMPLETED", "LABEL_PRINTED", "CARRIER_PICKUP", "HELD_FOR_PICKUP",
                    "DELIVERED"])  # fmt: skip
    assert rules_fired(events) == []


def test_an_inferred_event_closes_its_gap_and_is_never_evidence() -> None:
    inferred = order(FULL, flags={"PACK_COMPLETED": ("inferred",)})
    assert rules_fired(inferred) == []
    only_inferred = order(["LABEL_PRINTED"], flags={"LABEL_PRINTED": ("inferred",)})
    assert rules_fired(only_inferred) == []
