"""Lifecycle gaps, as pure functions: an order's events in, the gaps gaps.json describes out.

A gap is an observed event of an `evidence` type with no event of the rule's `missing` type in the same
scope (the order, or one shipment for carrier rules), and none of its `unless_any` types. An inferred event
of the missing type closes the gap (it is not inferred twice); inferred events are never evidence, so one
inference does not lead to another. Evidence younger than the settle time is no gap yet: the missing
event may simply be late.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipeline.quality.rulebook import GapRule, GapRules

INFERRED_FLAG = "inferred"


@dataclass(frozen=True)
class OrderEvent:
    source: str
    event_id: str
    event_type: str
    occurred_at: datetime
    order_id: str
    facility_id: str | None = None
    shipment_id: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    flags: tuple[str, ...] = ()

    @property
    def inferred(self) -> bool:
        return INFERRED_FLAG in self.flags

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> OrderEvent:
        return cls(
            source=row["source"],
            event_id=row["event_id"],
            event_type=row["event_type"],
            occurred_at=row["occurred_at"],
            order_id=row["order_id"],
            facility_id=row.get("facility_id"),
            shipment_id=row.get("shipment_id"),
            carrier=row.get("carrier"),
            tracking_number=row.get("tracking_number"),
            flags=tuple(row.get("flags") or ()),
        )


@dataclass(frozen=True)
class Gap:
    rule: str
    order_id: str
    shipment_id: str  # '' when the gap is the whole order's
    missing_type: str
    evidence: OrderEvent  # the earliest observed evidence: the latest the missing event can have happened

    @property
    def source(self) -> str:
        """The source that should have reported the missing event: the one that reported the evidence."""
        return self.evidence.source


def find_gaps(events: Iterable[OrderEvent], rules: GapRules, *, settled_before: datetime) -> list[Gap]:
    """The gaps of one order's events (all of them, whatever their order)."""
    events = list(events)
    gaps = []
    for name, rule in rules.rules.items():
        for shipment_id, scoped in _scopes(events, rule).items():
            gap = _gap(name, rule, shipment_id, scoped, settled_before)
            if gap is not None:
                gaps.append(gap)
    return sorted(gaps, key=lambda gap: (gap.order_id, gap.rule, gap.shipment_id))


def gaps_of_orders(events: Sequence[OrderEvent], rules: GapRules, *, settled_before: datetime) -> list[Gap]:
    """`find_gaps` for the events of many orders."""
    by_order: dict[str, list[OrderEvent]] = defaultdict(list)
    for event in events:
        by_order[event.order_id].append(event)
    return [
        gap
        for order in sorted(by_order)
        for gap in find_gaps(by_order[order], rules, settled_before=settled_before)
    ]


def _scopes(events: list[OrderEvent], rule: GapRule) -> dict[str, list[OrderEvent]]:
    if rule.scope == "order":
        return {"": events}
    scoped: dict[str, list[OrderEvent]] = defaultdict(list)
    for event in events:
        if event.shipment_id:
            scoped[event.shipment_id].append(event)
    return scoped


def _gap(
    name: str, rule: GapRule, shipment_id: str, events: list[OrderEvent], settled_before: datetime
) -> Gap | None:
    present = {event.event_type for event in events}
    if rule.missing in present or present & set(rule.unless_any):
        return None
    evidence = [e for e in events if e.event_type in rule.evidence and not e.inferred]
    if not evidence:
        return None
    earliest = min(evidence, key=lambda e: (e.occurred_at, e.source, e.event_id))
    if earliest.occurred_at > settled_before:
        return None
    return Gap(name, earliest.order_id, shipment_id, rule.missing, earliest)
