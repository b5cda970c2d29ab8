"""The rules file behind "what to tell the customer": dashboard/customer_script.json, checked when loaded.

A rule is tried in order; its conditions name stages, event types, attribute values, hold reasons and
exception root causes, and its lines use {facts}. Each name is checked against what exists (the
projection's stages, the event registry, the exception root causes, the facts dashboard.customer_script
knows), so a typo is refused with the rule and the field it is in, not silently never matched. The last
rule must fit any order and have a line that needs no fact.
"""

from __future__ import annotations

import json
import string
from functools import cache
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from db.models.exceptions import ROOT_CAUSES
from pipeline.projection import PARTIALLY_DELIVERED, STAGES_FILE, UNRANKED
from pipeline.taxonomy import latest_definitions

RULES_FILE = Path(__file__).resolve().parent / "customer_script.json"
FACTS = frozenset(
    {
        "promise", "carrier_estimate", "carrier", "tracking_number", "delivered_at", "claim_from", "proof",
        "hold_reason", "attempted_at", "attempt_reason", "next_attempt", "pickup_store", "pickup_by",
        "picked_up_at", "cancelled_at", "return_reason", "address_reason", "exception_reason", "issue",
        "parcels", "facility", "status_text",
    }
)  # fmt: skip
# Fact -> (event type, attribute) it is read from: the latest event of that type.
CODED_FACTS = {
    "hold_reason": ("ORDER_ON_HOLD", "reason"),
    "proof": ("DELIVERED", "proof"),
    "issue": ("CUSTOMER_REPORTED_ISSUE", "issue"),
    "return_reason": ("RETURN_TO_SENDER", "reason"),
    "address_reason": ("ADDRESS_ISSUE", "reason"),
    "attempt_reason": ("DELIVERY_ATTEMPTED", "reason"),
    "exception_reason": ("DELIVERY_EXCEPTION", "reason"),
}


def known_stages() -> frozenset[str]:
    table = json.loads(STAGES_FILE.read_text())["stages"]
    return frozenset({entry["stage"] for entry in table.values()} | {PARTIALLY_DELIVERED[0], UNRANKED[0]})


def _attribute_enum(event_type: str, attribute: str) -> frozenset[str] | None:
    """The values an attribute may take (None: free); ValueError when the type does not have it."""
    properties = latest_definitions()[event_type].attributes_schema.get("properties", {})
    if attribute not in properties:
        raise ValueError(f"{event_type} has no attribute {attribute!r}")
    values = properties[attribute].get("enum")
    return frozenset(values) if values else None


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EventCondition(_Strict):
    type: str
    attributes: dict[str, frozenset[str]] = Field(default_factory=dict)
    until: frozenset[str] = Field(default=frozenset(), description="Types that, after the event, end it")

    @model_validator(mode="after")
    def _known(self) -> Self:
        for kind in {self.type} | self.until:
            if kind not in latest_definitions():
                raise ValueError(f"unknown event type {kind!r}")
        for attribute, values in self.attributes.items():
            allowed = _attribute_enum(self.type, attribute)
            if allowed is not None and not values <= allowed:
                raise ValueError(
                    f"{self.type}.{attribute}: {sorted(values - allowed)} not in {sorted(allowed)}"
                )
        return self


class HoursSince(_Strict):
    type: str
    at_least: float | None = Field(default=None, ge=0)
    less_than: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if self.type not in latest_definitions():
            raise ValueError(f"unknown event type {self.type!r}")
        if self.at_least is None and self.less_than is None:
            raise ValueError("hours_since needs at_least or less_than")
        return self


class Conditions(_Strict):
    stages: frozenset[str] | None = None
    on_hold: bool | None = None
    hold_reasons: frozenset[str] | None = None
    event: EventCondition | None = None
    hours_since: HoursSince | None = None
    exception_root_causes: frozenset[str] | None = None

    @model_validator(mode="after")
    def _known(self) -> Self:
        unknown_stages = (self.stages or frozenset()) - known_stages()
        if unknown_stages:
            raise ValueError(f"stages: unknown stage(s) {sorted(unknown_stages)}")
        reasons = _attribute_enum("ORDER_ON_HOLD", "reason") or frozenset()
        if self.hold_reasons and not self.hold_reasons <= reasons:
            raise ValueError(f"hold_reasons: {sorted(self.hold_reasons - reasons)} not in {sorted(reasons)}")
        if self.exception_root_causes and not self.exception_root_causes <= set(ROOT_CAUSES):
            unknown = sorted(self.exception_root_causes - set(ROOT_CAUSES))
            raise ValueError(f"exception_root_causes: {unknown} not in {sorted(ROOT_CAUSES)}")
        return self


class ScriptRule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    headline: str = Field(min_length=1, max_length=80)
    when: Conditions
    say: tuple[str, ...] = Field(min_length=1)
    do: tuple[str, ...] = ()

    @field_validator("say", "do")
    @classmethod
    def _known_facts(cls, lines: tuple[str, ...]) -> tuple[str, ...]:
        for line in lines:
            unknown = sorted(set(placeholders(line)) - FACTS)
            if unknown:
                raise ValueError(f"{line!r} uses unknown fact(s) {unknown}; facts are {sorted(FACTS)}")
        return lines


class ScriptBook(_Strict):
    comment: str = Field(default="", alias="_comment")
    rules: tuple[ScriptRule, ...] = Field(min_length=1)
    phrases: dict[str, dict[str, str | None]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        ids = [rule.id for rule in self.rules]
        repeated = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
        if repeated:
            raise ValueError(f"rules: id(s) {repeated} appear more than once")
        last = self.rules[-1]
        if last.when != Conditions() or all(placeholders(line) for line in last.say):
            raise ValueError(
                f"rules: the last rule ({last.id!r}) must have no conditions and a line that needs no fact,"
                " so every order gets guidance"
            )
        unknown = sorted(set(self.phrases) - set(CODED_FACTS))
        if unknown:
            raise ValueError(f"phrases: {unknown} are not coded facts; coded facts are {sorted(CODED_FACTS)}")
        return self


@cache
def script_book() -> ScriptBook:
    """dashboard/customer_script.json, read and validated once."""
    return ScriptBook.model_validate(json.loads(RULES_FILE.read_text()))


def placeholders(line: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(line) if name]
