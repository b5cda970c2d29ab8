"""The rule book: validated when loaded, thresholds per facility and carrier with a clear precedence."""

from __future__ import annotations

import copy
import json

import pytest
from pydantic import ValidationError

from pipeline.exceptions.rules import RULES_FILE, load_rules, parse_rules

DOCUMENT = json.loads(RULES_FILE.read_text())


def edited(change) -> dict:  # noqa: ANN001 - a function that edits the document in place
    document = copy.deepcopy(DOCUMENT)
    change(document)
    return document


def test_the_shipped_rules_cover_every_exception_event_type_of_the_issue() -> None:
    rules = load_rules()
    assert set(rules.event_rules) == {
        "PICK_SHORT",
        "DELIVERY_DELAYED",
        "DELIVERY_EXCEPTION",
        "ADDRESS_ISSUE",
        "DELIVERY_ATTEMPTED",
        "LOST",
        "RETURN_TO_SENDER",
    }


def test_a_reason_can_change_the_root_cause_severity_and_resolution() -> None:
    rule = load_rules().rule("DELIVERY_EXCEPTION")
    assert (rule.for_reason("damaged").root_cause, rule.for_reason("damaged").resolve_when) == (
        "damage",
        "manual",
    )
    assert rule.for_reason("refused") == rule
    assert load_rules().rule("RETURN_TO_SENDER").for_reason("undeliverable").root_cause == "address_issue"


def test_thresholds_go_default_then_facility_kind_then_facility_then_carrier() -> None:
    rules = load_rules()
    assert rules.thresholds_for("DC-RNO", "ups").no_scan_after_label_hours == 30
    assert rules.thresholds_for("DC-RNO", "swiftmile").no_scan_after_label_hours == 12
    assert rules.thresholds_for("ST-001").stage_minutes["picking"] == 240
    assert rules.thresholds_for("DC-RNO").stage_minutes["picking"] == 360
    assert rules.thresholds_for("DC-CMH").stage_minutes["allocated"] == 1080
    assert rules.thresholds_for(None).ship_by_warning_hours == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["event_rules"].update(PICK_TELEPORTED=d["event_rules"]["PICK_SHORT"]),
            "not a registered event type",
        ),
        (lambda d: d["event_rules"]["LOST"].update(root_cause="aliens"), "root_cause"),
        (
            lambda d: d["event_rules"]["ADDRESS_ISSUE"].update(by_reason={"dog": {}}),
            "not a reason of ADDRESS_ISSUE",
        ),
        (lambda d: d["silent_rules"].pop("STAGE_STUCK"), "missing ['STAGE_STUCK']"),
        (lambda d: d["thresholds"]["carriers"].update(pony_express={}), "unknown carrier"),
        (lambda d: d["thresholds"]["facilities"].update({"DC-XYZ": {}}), "unknown facility"),
        (
            lambda d: d["thresholds"]["default"]["stage_minutes"].update(teleporting=5),
            "not a fulfillment stage",
        ),
        (lambda d: d["thresholds"]["default"].update(no_scan_after_label_hours=0), "greater than 0"),
    ],
)
def test_a_wrong_rule_file_is_refused_naming_what_is_wrong(change, message: str) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_rules(edited(change))
