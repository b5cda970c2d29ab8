"""Ways to get an order's short lines to the customer, and the choice between them. Pure: facts in,
a decision out.

An option is one facility shipping the short lines with one carrier service: another facility that has
the stock (re-allocate), or the same facility once its bin is refilled from reserve or restocked (split:
what was picked ships now, the rest follows). Each has a delivery date (when the lines are ready, then
the service's pickup cut-off and transit days) and an added cost (handling plus one more parcel). The
decision is the cheapest option that keeps the promise within the policy's spending limit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from pipeline.notify.templates import spoken_date
from pipeline.playbooks.delivery_dates import ServiceLevel
from pipeline.playbooks.policy import InventoryPolicy

Estimate = Callable[[datetime, "Site", ServiceLevel], date]
Verdict = Literal["act", "over_budget", "late", "no_option"]


@dataclass(frozen=True)
class Site:
    """A facility as the options need it."""

    facility_id: str
    kind: str
    time_zone: str


@dataclass(frozen=True)
class Option:
    action: Literal["reallocate", "split_shipment"]
    site: Site
    service: ServiceLevel
    ready_at: datetime
    delivers_on: date
    added_cost: float
    meets_promise: bool

    def describe(self) -> str:
        """'re-allocate to DC-CMH, UPS Ground, arrives Thursday, November 19, $11.40 added'."""
        how = (
            f"re-allocate to {self.site.facility_id}"
            if self.action == "reallocate"
            else f"split: {self.site.facility_id} ships the rest when restocked"
        )
        return f"{how}, {self.service.name}, arrives {spoken_date(self.delivers_on)}, ${self.added_cost:.2f} added"


@dataclass(frozen=True)
class RecoveryFacts:
    current: Site
    candidates: Sequence[Site]  # other facilities with every short line's quantity on hand
    can_split: bool  # something was picked, so part of the order can ship now
    current_has_stock: bool  # the current facility's inventory covers the short quantity (bin short only)
    promised_on: date | None  # the promised delivery date at the destination


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    option: Option | None  # act: the choice; over_budget: the cheapest on time; late: the earliest
    options: tuple[Option, ...]


def recovery_options(
    facts: RecoveryFacts,
    policy: InventoryPolicy,
    services: Mapping[tuple[str, str], ServiceLevel],
    now: datetime,
    estimate: Estimate,
) -> list[Option]:
    """Every (facility, service) that could ship the short lines, with its delivery date and cost."""
    current = facts.current
    sites: list[tuple[Literal["reallocate", "split_shipment"], Site, float, float]] = []
    for site in facts.candidates:
        cost = policy.move_cost(current.facility_id, current.kind, site.facility_id, site.kind)
        hours = policy.hours_until_ready("reallocated", site.facility_id, site.kind)
        sites.append(("reallocate", site, cost, hours))
    if facts.can_split:
        how = "replenished" if facts.current_has_stock else "restocked"
        cost = policy.split_handling_cost(current.facility_id, current.kind)
        sites.append(
            (
                "split_shipment",
                current,
                cost,
                policy.hours_until_ready(how, current.facility_id, current.kind),
            )
        )
    options = []
    for action, site, handling, hours in sites:
        ready_at = now + timedelta(hours=hours)
        for offered in policy.services:
            parcel = offered.parcel_cost.get(site.kind)  # type: ignore[call-overload]
            service = services.get((offered.carrier_id, offered.service_code))
            if parcel is None or service is None:
                continue
            arrives = estimate(ready_at, site, service)
            on_time = facts.promised_on is None or arrives <= facts.promised_on
            options.append(
                Option(action, site, service, ready_at, arrives, round(handling + parcel, 2), on_time)
            )
    return options


def decide(options: Sequence[Option], max_added_cost: float) -> Decision:
    """The cheapest option on time within the limit (ties: earlier, then split before re-allocation, then
    facility id); else why automation cannot act, with the option a person would most likely take."""
    everything = tuple(options)
    on_time = [o for o in options if o.meets_promise]
    affordable = [o for o in on_time if o.added_cost <= max_added_cost]
    if affordable:
        best = min(
            affordable,
            key=lambda o: (o.added_cost, o.delivers_on, o.action != "split_shipment", o.site.facility_id),
        )
        return Decision("act", best, everything)
    if on_time:
        return Decision("over_budget", min(on_time, key=lambda o: (o.added_cost, o.delivers_on)), everything)
    if options:
        return Decision("late", min(options, key=lambda o: (o.delivers_on, o.added_cost)), everything)
    return Decision("no_option", None, everything)
