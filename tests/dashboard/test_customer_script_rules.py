"""The rules file behind "what to tell the customer" refuses what cannot work, naming the rule and field."""

from __future__ import annotations

import copy
import json

import pytest
from pydantic import ValidationError

from dashboard.customer_script_rules import RULES_FILE, ScriptBook, script_book


def test_the_shipped_rules_file_is_valid():
    book = script_book()

    assert len({rule.id for rule in book.rules}) == len(book.rules)
    assert book.phrases["proof"]["none"] is None


def raw_book() -> dict:
    return copy.deepcopy(json.loads(RULES_FILE.read_text()))


def rule(book: dict, rule_id: str) -> dict:
    return next(item for item in book["rules"] if item["id"] == rule_id)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda book: rule(book, "delayed")["when"]["event"].update(type="DELAYED"),
            "unknown event type 'DELAYED'",
        ),
        (
            lambda book: rule(book, "delayed_weather")["when"]["event"]["attributes"].update(reason=["snow"]),
            "DELIVERY_DELAYED.reason: ['snow'] not in",
        ),
        (
            lambda book: rule(book, "delayed")["when"]["event"].update(attributes={"colour": ["red"]}),
            "no attribute 'colour'",
        ),
        (
            lambda book: rule(book, "delivered")["when"].update(stages=["shipped"]),
            "unknown stage(s) ['shipped']",
        ),
        (
            lambda book: rule(book, "hold_address")["when"].update(hold_reasons=["weather"]),
            "hold_reasons: ['weather']",
        ),
        (lambda book: rule(book, "delayed")["say"].append("Tell them {mood}."), "unknown fact(s) ['mood']"),
        (
            lambda book: rule(book, "silent_carrier")["when"].update(exception_root_causes=["gremlins"]),
            "gremlins",
        ),
        (lambda book: book["rules"].pop(), "must have no conditions"),
        (lambda book: book["rules"][-1].update(say=["Latest: {status_text}."]), "a line that needs no fact"),
        (lambda book: book["rules"].insert(0, rule(book, "lost")), "id(s) ['lost'] appear more than once"),
        (
            lambda book: rule(book, "delivered")["when"].update(hours_since={"type": "DELIVERED"}),
            "at_least or less_than",
        ),
        (lambda book: book["phrases"].update(mood={"x": "y"}), "phrases: ['mood'] are not coded facts"),
    ],
)
def test_a_broken_rules_file_is_refused_naming_the_rule_that_broke(change, message: str):
    book = raw_book()
    change(book)

    with pytest.raises(ValidationError) as error:
        ScriptBook.model_validate(book)
    assert message in str(error.value)
