"""Playbook for a short pick: re-allocate the short lines to a facility with stock, or split the shipment,
whichever still keeps the delivery promise at the lowest added cost (pipeline/playbooks/recovery_options.py);
the action service emits ORDER_REALLOCATED or ORDER_SPLIT. When no option keeps the promise, none is
within the policy's spending limit, there is no stock anywhere, or the policy leaves this kind of order
to people, the exception is escalated with the reason and the next step to take.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from pipeline.actions import ActionRefusedError, Actor, perform
from pipeline.exceptions.reallocation import (
    current_facility,
    lines_to_move,
    reallocation_candidates,
    split_plan,
)
from pipeline.exceptions.rules import load_rules
from pipeline.notify.templates import spoken_date
from pipeline.playbooks.delivery_dates import ServiceLevel, delivery_date
from pipeline.playbooks.escalation import NextStep, draft, escalate, reachable
from pipeline.playbooks.policy import INVENTORY_PLAYBOOK, PlaybookPolicy
from pipeline.playbooks.recovery_options import (
    Decision,
    Estimate,
    Option,
    RecoveryFacts,
    Site,
    decide,
    recovery_options,
)
from pipeline.playbooks.report import PlaybookOutcome
from pipeline.settings import Settings

_ORDER = text(
    "SELECT o.fulfillment, coalesce(c.promised_delivery_by, o.promised_delivery_by) AS promised_delivery_by,"
    " c.destination_time_zone FROM order_state AS o LEFT JOIN customer_order AS c USING (order_id)"
    " WHERE o.order_id = :order_id"
)
_SITES = text("SELECT facility_id, kind, time_zone FROM facility")
_SERVICES = text(
    "SELECT carrier_id, service_code, name, transit_business_days, pickup_cutoff_local FROM service_level"
)
_ON_HAND = text(
    "SELECT sku, on_hand FROM facility_inventory WHERE facility_id = :facility_id AND sku = ANY(:skus)"
)


def service_levels(conn: Connection) -> dict[tuple[str, str], ServiceLevel]:
    return {
        (row.carrier_id, row.service_code): ServiceLevel(
            row.carrier_id, row.service_code, row.name, row.transit_business_days, row.pickup_cutoff_local
        )
        for row in conn.execute(_SERVICES)
    }


def service_level_estimate(policy: PlaybookPolicy) -> Estimate:
    """Delivery dates by the committed service level (pickup cut-off, transit business days, holidays)."""
    return lambda ready_at, site, service: delivery_date(ready_at, site.time_zone, service, policy.calendar)


def recover_short_lines(
    conn: Connection,
    exception: Mapping[str, Any],
    *,
    now: datetime,
    settings: Settings,
    policy: PlaybookPolicy,
    estimate: Estimate | None = None,
) -> PlaybookOutcome:
    """Act on one open inventory-mismatch exception (see the module docstring)."""
    order = conn.execute(_ORDER, {"order_id": exception["order_id"]}).mappings().first() or {}
    current_id = current_facility(conn, exception)
    lines = lines_to_move(conn, exception)
    sites = {row.facility_id: Site(row.facility_id, row.kind, row.time_zone) for row in conn.execute(_SITES)}
    candidates = [sites[c.facility_id] for c in reallocation_candidates(conn, lines, current_id)]
    what = ", ".join(f"{line['qty']} × {line['sku']}" for line in lines) or "the order"
    if current_id is None or current_id not in sites:
        reason = f"Order {exception['order_id']} is not allocated to a facility, so {what} cannot be moved or split"
        return _escalated(conn, exception, reason, _tell_customer(conn, exception, None), now, settings)
    fulfillment = order.get("fulfillment") or "ship"
    if fulfillment not in policy.inventory.fulfillments:
        reason = f"Policy: {fulfillment.replace('_', ' ')} orders are not re-allocated or split by automation"
        step = (
            NextStep(
                "reallocate",
                f"Re-allocate {what} to {candidates[0].facility_id}",
                {"to_facility": candidates[0].facility_id},
            )
            if candidates
            else _tell_customer(conn, exception, None)
        )
        return _escalated(conn, exception, reason, step, now, settings)
    facts = RecoveryFacts(
        current=sites[current_id],
        candidates=candidates,
        can_split=_can_split(conn, exception),
        current_has_stock=_has_stock(conn, current_id, lines),
        promised_on=_promised_on(order),
    )
    options = recovery_options(
        facts, policy.inventory, service_levels(conn), now, estimate or service_level_estimate(policy)
    )
    decision = decide(options, policy.inventory.max_added_cost)
    if decision.verdict == "act" and decision.option is not None:
        return _act(conn, exception, decision, facts, now, settings)
    return _escalated(
        conn,
        exception,
        _why_not(decision, facts, what, policy),
        _next_step(conn, exception, decision),
        now,
        settings,
    )


def _can_split(conn: Connection, exception: Mapping[str, Any]) -> bool:
    try:
        split_plan(conn, exception)
    except ActionRefusedError:
        return False
    return True


def _has_stock(conn: Connection, facility_id: str, lines: list[dict[str, Any]]) -> bool:
    needed: dict[str, int] = {}
    for line in lines:
        needed[line["sku"]] = needed.get(line["sku"], 0) + int(line["qty"])
    on_hand = dict(conn.execute(_ON_HAND, {"facility_id": facility_id, "skus": sorted(needed)}).all())
    return bool(needed) and all(on_hand.get(sku, 0) >= qty for sku, qty in needed.items())


def _promised_on(order: Mapping[str, Any]) -> date | None:
    promised = order.get("promised_delivery_by")
    if promised is None:
        return None
    zone = order.get("destination_time_zone")
    return promised.astimezone(ZoneInfo(zone)).date() if zone else promised.date()


def _act(
    conn: Connection,
    exception: Mapping[str, Any],
    decision: Decision,
    facts: RecoveryFacts,
    now: datetime,
    settings: Settings,
) -> PlaybookOutcome:
    option = decision.option
    assert option is not None
    promise = spoken_date(facts.promised_on) if facts.promised_on else "none given"
    note = f"Automation chose to {option.describe()} (promise: {promise}; {len(decision.options)} options weighed)"
    params: dict[str, Any] = {"note": note}
    if option.action == "reallocate":
        params["to_facility"] = option.site.facility_id
    try:
        with conn.begin_nested():
            result = perform(
                conn, Actor.automation(INVENTORY_PLAYBOOK), option.action, exception["exception_id"],
                now=now, settings=settings, **params,
            )  # fmt: skip
    except ActionRefusedError as error:
        reason = f"Automation could not {option.describe()}: {error.message}"
        return _escalated(conn, exception, reason, _tell_customer(conn, exception, None), now, settings)
    return PlaybookOutcome(
        exception["exception_id"], INVENTORY_PLAYBOOK, "acted", f"{result.message} ({option.describe()})"
    )


def _why_not(decision: Decision, facts: RecoveryFacts, what: str, policy: PlaybookPolicy) -> str:
    option = decision.option
    promise = spoken_date(facts.promised_on) if facts.promised_on else "the promise"
    if decision.verdict == "over_budget" and option is not None:
        return (
            f"Keeping the promise of {promise} for {what} costs at least ${option.added_cost:.2f} "
            f"({option.describe()}), above the ${policy.inventory.max_added_cost:.2f} automation may spend"
        )
    if decision.verdict == "late" and option is not None:
        return f"No way to ship {what} keeps the promise of {promise}; the earliest is to {option.describe()}"
    split = "" if facts.can_split else ", and nothing of the order was picked to ship now"
    return f"No other facility has {what} on hand{split}"


def _next_step(conn: Connection, exception: Mapping[str, Any], decision: Decision) -> NextStep:
    option = decision.option
    if decision.verdict == "over_budget" and option is not None:
        return _option_step(option)
    return _tell_customer(conn, exception, option)


def _option_step(option: Option) -> NextStep:
    label = option.describe()
    params = {"to_facility": option.site.facility_id} if option.action == "reallocate" else None
    return NextStep(option.action, label[0].upper() + label[1:], params)


def _tell_customer(conn: Connection, exception: Mapping[str, Any], fallback: Option | None) -> NextStep:
    """Tell the customer the item is late; with no way to reach them, ship the earliest option, or resolve."""
    if reachable(conn, exception["order_id"]):
        message_type = load_rules().rule(exception["exception_type"]).message_type or "item_delayed"
        return NextStep(
            "notify_customer",
            "Tell the customer an item is taking longer",
            {"message_type": message_type},
            draft(exception["order_id"], message_type, exception["detail"]),
        )
    if fallback is not None:
        return _option_step(fallback)
    return NextStep(
        "resolve",
        "No stock and no contact on the order: settle the short line with customer care, then resolve",
    )


def _escalated(
    conn: Connection,
    exception: Mapping[str, Any],
    reason: str,
    step: NextStep,
    now: datetime,
    settings: Settings,
) -> PlaybookOutcome:
    escalate(conn, INVENTORY_PLAYBOOK, exception["exception_id"], reason, step, now=now, settings=settings)
    return PlaybookOutcome(exception["exception_id"], INVENTORY_PLAYBOOK, "escalated", reason)
