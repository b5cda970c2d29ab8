"""What to tell the customer: short, plain guidance for a support agent, derived from an order's situation.

The guidance is data — dashboard/customer_script.json (checked by dashboard/customer_script_rules.py), a
list of rules tried in order; the first whose conditions all hold gives a headline, what to say and what
to do — so support leads can reword it or add a case without touching code. Pure functions of an
`OrderSituation` (built by dashboard/order_story.py): no Streamlit, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dashboard.customer_script_rules import (
    CODED_FACTS,
    RULES_FILE,
    Conditions,
    EventCondition,
    HoursSince,
    placeholders,
    script_book,
)

CLAIM_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class SituationEvent:
    event_type: str
    occurred_at: datetime
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderSituation:
    """What the guidance depends on. `events` are in time order; times are said in `zone`, the customer's."""

    stage: str
    on_hold: bool
    events: tuple[SituationEvent, ...]
    zone: ZoneInfo
    now: datetime
    promised_delivery_by: datetime | None = None
    carrier_estimate: date | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    parcels: int = 0
    facility: str | None = None
    status_text: str | None = None
    open_exception_causes: frozenset[str] = frozenset()

    def latest(self, event_type: str) -> tuple[int, SituationEvent] | None:
        for index in range(len(self.events) - 1, -1, -1):
            if self.events[index].event_type == event_type:
                return index, self.events[index]
        return None


@dataclass(frozen=True)
class CustomerScript:
    rule_id: str
    headline: str
    say: tuple[str, ...]
    do: tuple[str, ...]


def script_for(situation: OrderSituation) -> CustomerScript:
    """The first rule that fits the order and has something to say; lines whose facts are unknown are left
    out (a delivered order whose DELIVERED scan is missing cannot say when it was delivered)."""
    book = script_book()
    facts = facts_of(situation, book.phrases)
    for rule in book.rules:
        say = _filled(rule.say, facts)
        if say and matches(rule.when, situation):
            return CustomerScript(rule.id, rule.headline, say, _filled(rule.do, facts))
    raise LookupError(f"{RULES_FILE.name}: no rule fits; the last rule must fit any order")


def matches(when: Conditions, situation: OrderSituation) -> bool:
    if when.stages is not None and situation.stage not in when.stages:
        return False
    if when.on_hold is not None and situation.on_hold != when.on_hold:
        return False
    if when.hold_reasons is not None:
        hold = situation.latest("ORDER_ON_HOLD")
        if hold is None or hold[1].attributes.get("reason") not in when.hold_reasons:
            return False
    if when.event is not None and not _event_holds(when.event, situation):
        return False
    if when.hours_since is not None and not _hours_hold(when.hours_since, situation):
        return False
    return not (
        when.exception_root_causes is not None
        and not when.exception_root_causes & situation.open_exception_causes
    )


def _event_holds(condition: EventCondition, situation: OrderSituation) -> bool:
    found = situation.latest(condition.type)
    if found is None:
        return False
    index, event = found
    if any(event.attributes.get(name) not in values for name, values in condition.attributes.items()):
        return False
    return not any(later.event_type in condition.until for later in situation.events[index + 1 :])


def _hours_hold(condition: HoursSince, situation: OrderSituation) -> bool:
    found = situation.latest(condition.type)
    if found is None:
        return False
    hours = (situation.now - found[1].occurred_at).total_seconds() / 3600
    if condition.at_least is not None and hours < condition.at_least:
        return False
    return condition.less_than is None or hours < condition.less_than


def facts_of(situation: OrderSituation, phrases: Mapping[str, Mapping[str, str | None]]) -> dict[str, str]:
    """Every fact known for this order, as it is said to the customer."""
    zone = situation.zone
    facts: dict[str, str | None] = {
        "promise": spoken_day(situation.promised_delivery_by, zone),
        "carrier_estimate": situation.carrier_estimate.strftime("%A, %B %-d")
        if situation.carrier_estimate
        else None,
        "carrier": situation.carrier,
        "tracking_number": situation.tracking_number,
        "parcels": str(situation.parcels) if situation.parcels > 1 else None,
        "facility": situation.facility,
        "pickup_store": situation.facility,
        "status_text": situation.status_text,
    }
    for name, event_type in (
        ("delivered_at", "DELIVERED"),
        ("attempted_at", "DELIVERY_ATTEMPTED"),
        ("picked_up_at", "CUSTOMER_PICKED_UP"),
        ("cancelled_at", "ORDER_CANCELLED"),
    ):
        found = situation.latest(event_type)
        facts[name] = spoken_time(found[1].occurred_at, zone) if found else None
    delivered = situation.latest("DELIVERED")
    facts["claim_from"] = spoken_time(delivered[1].occurred_at + CLAIM_AFTER, zone) if delivered else None
    attempt = situation.latest("DELIVERY_ATTEMPTED")
    next_attempt = attempt[1].attributes.get("next_attempt") if attempt else None
    facts["next_attempt"] = _spoken_date_text(next_attempt) if isinstance(next_attempt, str) else None
    ready = situation.latest("READY_FOR_STORE_PICKUP")
    pickup_by = ready[1].attributes.get("pickup_by") if ready else None
    facts["pickup_by"] = _spoken_instant_text(pickup_by, zone) if isinstance(pickup_by, str) else None
    for name, (event_type, attribute) in CODED_FACTS.items():
        found = situation.latest(event_type)
        code = found[1].attributes.get(attribute) if found else None
        if isinstance(code, str):
            said = phrases.get(name, {})
            facts[name] = said[code] if code in said else code.replace("_", " ")
    return {name: value for name, value in facts.items() if value}


def spoken_day(instant: datetime | None, zone: ZoneInfo) -> str | None:
    return instant.astimezone(zone).strftime("%A, %B %-d") if instant else None


def spoken_time(instant: datetime | None, zone: ZoneInfo) -> str | None:
    if instant is None:
        return None
    local = instant.astimezone(zone)
    return f"{local:%A, %B %-d} at {local:%-I:%M %p} {local.tzname()}"


def _spoken_date_text(value: str) -> str:
    try:
        return date.fromisoformat(value[:10]).strftime("%A, %B %-d")
    except ValueError:
        return value


def _spoken_instant_text(value: str, zone: ZoneInfo) -> str | None:
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return value
    return spoken_time(instant, zone) if instant.tzinfo else value


def _filled(lines: tuple[str, ...], facts: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(line.format_map(facts) for line in lines if set(placeholders(line)) <= facts.keys())
