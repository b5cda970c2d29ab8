"""Customer message templates: plain words, every placeholder known, dates as people say them."""

from __future__ import annotations

import json
from datetime import date

import pytest
from pydantic import ValidationError

from pipeline.exceptions.rules import load_rules
from pipeline.notify.templates import (
    TEMPLATES_FILE,
    load_templates,
    message_context,
    parse_templates,
    render,
    spoken_date,
)


def test_every_message_the_rules_name_has_a_template_and_so_does_the_address_confirmation() -> None:
    assert load_rules().message_types() | {"address_confirmation"} <= set(load_templates().messages)


def test_a_weather_delay_reads_as_the_issue_asks() -> None:
    book = load_templates()
    context = message_context(book, "SO-1", {"reason": "weather", "new_estimated_delivery": "2026-05-14"})

    subject, body = render(book, "delivery_delayed", "email", context)
    _, sms = render(book, "delivery_delayed", "sms", context)

    assert body.startswith("Weather delay in your area — new estimate Thursday, May 14.")
    assert sms == "Weather delay in your area — new estimate Thursday, May 14. Order SO-1."
    assert subject == "Your order SO-1 is running late"


def test_without_a_carrier_estimate_or_a_known_reason_the_message_still_makes_sense() -> None:
    book = load_templates()
    _, sms = render(book, "delivery_delayed", "sms", message_context(book, "SO-2", {"reason": "gremlins"}))

    assert sms == (
        "Your delivery is running late — we'll send you the new delivery date as soon as the carrier has it. "
        "Order SO-2."
    )


def test_a_typo_in_a_placeholder_is_refused_when_the_file_is_loaded() -> None:
    document = json.loads(TEMPLATES_FILE.read_text())
    document["messages"]["delivery_delayed"]["sms"] = "New estimate {estimat}"

    with pytest.raises(ValidationError, match="unknown placeholder"):
        parse_templates(document)


def test_a_link_placeholder_without_a_value_is_an_error_not_a_blank() -> None:
    book = load_templates()
    with pytest.raises(KeyError, match="confirm_link"):
        render(book, "address_confirmation", "sms", message_context(book, "SO-3", {}))


def test_spoken_dates_have_no_leading_zero() -> None:
    assert spoken_date(date(2026, 11, 5)) == "Thursday, November 5"
