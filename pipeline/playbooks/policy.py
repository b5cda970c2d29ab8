"""The playbooks' policy: data in policy.json, validated when loaded.

Costs and lead times are looked up per facility: an entry for the facility id wins over the one for
its kind (dc, store), and every map must have both kinds so a lookup always finds an answer.
Re-allocation costs are per facility pair, written `FROM>TO` with ids or kinds on either side.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from db.master_data import carriers, facilities
from pipeline.exceptions.handlers import ADDRESS_PLAYBOOK
from pipeline.exceptions.rules import load_rules

POLICY_FILE = Path(__file__).resolve().parent / "policy.json"
INVENTORY_PLAYBOOK = "inventory_mismatch"
CARRIER_DELAY_PLAYBOOK = "carrier_delay"
PLAYBOOK_ROOT_CAUSES: dict[str, frozenset[str]] = {
    INVENTORY_PLAYBOOK: frozenset({"inventory_mismatch"}),
    CARRIER_DELAY_PLAYBOOK: frozenset({"carrier_delay", "silent_carrier"}),
    ADDRESS_PLAYBOOK: frozenset({"address_issue"}),
}
KINDS = ("dc", "store")
Kind = Literal["dc", "store"]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _facility_kinds() -> dict[str, str]:
    return {item.facility_id: item.kind for item in facilities()}


def _by_facility(name: str, value: dict[str, float]) -> dict[str, float]:
    """A map keyed by facility kind or id: both kinds present, ids known, values not negative."""
    known = _facility_kinds()
    for key, number in value.items():
        if key not in KINDS and key not in known:
            raise ValueError(f"{name}.{key}: neither a facility kind {KINDS} nor a facility id")
        if number < 0:
            raise ValueError(f"{name}.{key}: must not be negative, got {number}")
    missing = [kind for kind in KINDS if kind not in value]
    if missing:
        raise ValueError(f"{name}: needs an entry for every facility kind; missing {missing}")
    return value


def _lookup(table: Mapping[str, float], facility_id: str, kind: str) -> float:
    return table[facility_id] if facility_id in table else table[kind]


class PlaybookScope(_Strict):
    exception_types: tuple[str, ...] = Field(min_length=1)
    act_after_minutes: float = Field(
        ge=0, description="Leave a new exception to people this long before the playbook acts"
    )


class ReadyHours(_Strict):
    """Hours until short lines are ready to hand to the carrier, by how they are recovered."""

    reallocated: dict[str, float] = Field(description="Another facility picks and packs them")
    replenished: dict[str, float] = Field(description="The same facility refills the bin from its reserve")
    restocked: dict[str, float] = Field(description="The same facility waits for inbound stock")

    @field_validator("reallocated", "replenished", "restocked")
    @classmethod
    def _kinds(cls, value: dict[str, float], info: Any) -> dict[str, float]:
        return _by_facility(f"inventory.ready_hours.{info.field_name}", value)


class ServiceOption(_Strict):
    """A carrier service the short lines may ship with, and what one more parcel costs from each kind."""

    carrier_id: str
    service_code: str
    parcel_cost: dict[Kind, float] = Field(min_length=1)

    @field_validator("parcel_cost")
    @classmethod
    def _not_negative(cls, value: dict[Kind, float]) -> dict[Kind, float]:
        for kind, cost in value.items():
            if cost < 0:
                raise ValueError(f"parcel_cost.{kind}: must not be negative, got {cost}")
        return value


class InventoryPolicy(_Strict):
    fulfillments: frozenset[Literal["ship", "store_pickup"]] = Field(
        description="Order fulfillments the playbook may re-allocate or split; others go to a person"
    )
    max_added_cost: float = Field(ge=0, description="Automation never spends more than this on one recovery")
    reallocation_cost: dict[str, float]
    split_cost: dict[str, float]
    ready_hours: ReadyHours
    services: tuple[ServiceOption, ...] = Field(min_length=1)

    @field_validator("reallocation_cost")
    @classmethod
    def _pairs(cls, value: dict[str, float]) -> dict[str, float]:
        known = _facility_kinds()
        for pair, cost in value.items():
            sides = pair.split(">")
            if len(sides) != 2 or any(side not in KINDS and side not in known for side in sides):
                raise ValueError(
                    f"inventory.reallocation_cost.{pair}: write FROM>TO with facility kinds {KINDS} or ids"
                )
            if cost < 0:
                raise ValueError(f"inventory.reallocation_cost.{pair}: must not be negative, got {cost}")
        missing = [f"{a}>{b}" for a in KINDS for b in KINDS if f"{a}>{b}" not in value]
        if missing:
            raise ValueError(f"inventory.reallocation_cost: needs every kind pair; missing {missing}")
        return value

    @field_validator("split_cost")
    @classmethod
    def _split_kinds(cls, value: dict[str, float]) -> dict[str, float]:
        return _by_facility("inventory.split_cost", value)

    @field_validator("services")
    @classmethod
    def _known_services(cls, value: tuple[ServiceOption, ...]) -> tuple[ServiceOption, ...]:
        known = {(c.carrier_id, s.service_code) for c in carriers() for s in c.service_levels}
        seen: set[tuple[str, str]] = set()
        for option in value:
            key = (option.carrier_id, option.service_code)
            if key not in known:
                raise ValueError(
                    f"inventory.services: {option.carrier_id} {option.service_code} is not a service level of "
                    "db/reference/carriers.json"
                )
            if key in seen:
                raise ValueError(
                    f"inventory.services: {option.carrier_id} {option.service_code} is listed twice"
                )
            seen.add(key)
        return value

    def move_cost(self, from_id: str, from_kind: str, to_id: str, to_kind: str) -> float:
        for key in (f"{from_id}>{to_id}", f"{from_id}>{to_kind}", f"{from_kind}>{to_id}"):
            if key in self.reallocation_cost:
                return self.reallocation_cost[key]
        return self.reallocation_cost[f"{from_kind}>{to_kind}"]

    def split_handling_cost(self, facility_id: str, kind: str) -> float:
        return _lookup(self.split_cost, facility_id, kind)

    def hours_until_ready(
        self, how: Literal["reallocated", "replenished", "restocked"], facility_id: str, kind: str
    ) -> float:
        return _lookup(getattr(self.ready_hours, how), facility_id, kind)


class AddressPolicy(_Strict):
    answer_within_hours: float = Field(
        gt=0, description="Hours the customer has to confirm (from when the request was sent) before a person"
    )


class CarrierCalendar(_Strict):
    pickup_weekdays: frozenset[int] = Field(min_length=1, description="0 = Monday … 6 = Sunday")
    delivery_weekdays: frozenset[int] = Field(min_length=1)
    holiday_country: str

    @field_validator("pickup_weekdays", "delivery_weekdays")
    @classmethod
    def _weekdays(cls, value: frozenset[int], info: Any) -> frozenset[int]:
        wrong = sorted(day for day in value if not 0 <= day <= 6)
        if wrong:
            raise ValueError(f"calendar.{info.field_name}: {wrong} are not weekdays 0 (Monday) … 6 (Sunday)")
        return value

    @field_validator("holiday_country")
    @classmethod
    def _supported(cls, value: str) -> str:
        if value not in holidays.list_supported_countries():
            raise ValueError(
                f"calendar.holiday_country: {value!r} is not a country the holidays package knows"
            )
        return value


class PlaybookPolicy(_Strict):
    playbooks: dict[str, PlaybookScope]
    inventory: InventoryPolicy
    address: AddressPolicy
    calendar: CarrierCalendar

    @model_validator(mode="after")
    def _scopes(self) -> PlaybookPolicy:
        missing = sorted(set(PLAYBOOK_ROOT_CAUSES) - set(self.playbooks))
        unknown = sorted(set(self.playbooks) - set(PLAYBOOK_ROOT_CAUSES))
        if missing or unknown:
            raise ValueError(
                f"playbooks: missing {missing}, unknown {unknown}; they are {sorted(PLAYBOOK_ROOT_CAUSES)}"
            )
        rules = load_rules()
        owner: dict[str, str] = {}
        for name, scope in self.playbooks.items():
            for exception_type in scope.exception_types:
                try:
                    rule = rules.rule(exception_type)
                except KeyError:
                    raise ValueError(f"playbooks.{name}: {exception_type} is not an exception rule") from None
                causes = {rule.root_cause} | {o.root_cause for o in rule.by_reason.values() if o.root_cause}
                if not causes & PLAYBOOK_ROOT_CAUSES[name]:
                    raise ValueError(
                        f"playbooks.{name}: {exception_type} never has root cause "
                        f"{sorted(PLAYBOOK_ROOT_CAUSES[name])}, the only ones this playbook handles"
                    )
                if exception_type in owner:
                    raise ValueError(
                        f"playbooks.{name}: {exception_type} already belongs to {owner[exception_type]}"
                    )
                owner[exception_type] = name
        return self

    def playbook_for(self, exception_type: str, root_cause: str) -> str | None:
        """The playbook that automates this exception, if the policy lets one."""
        for name, scope in self.playbooks.items():
            if exception_type in scope.exception_types and root_cause in PLAYBOOK_ROOT_CAUSES[name]:
                return name
        return None


def parse_policy(document: Mapping[str, Any]) -> PlaybookPolicy:
    return PlaybookPolicy.model_validate(
        {key: value for key, value in document.items() if not key.startswith("_")}
    )


@lru_cache(maxsize=1)
def load_policy(path: Path = POLICY_FILE) -> PlaybookPolicy:
    """The policy, read and validated once per process."""
    return parse_policy(json.loads(path.read_text()))
