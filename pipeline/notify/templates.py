"""Customer message templates: data in templates.json, validated when loaded, rendered without surprises.

A template may only use the placeholders listed in PLACEHOLDERS; a typo is refused when the file is
loaded, not when a customer would have received "{estimat}".
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

TEMPLATES_FILE = Path(__file__).resolve().parent / "templates.json"
PLACEHOLDERS = frozenset(
    {"order_id", "delay_reason", "estimate", "next_attempt", "confirm_link", "confirm_until"}
)
Channel = Literal["email", "sms"]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MessageTemplate(_Strict):
    channels: tuple[Channel, ...] = Field(min_length=1)
    subject: str = Field(min_length=1)
    body: str = Field(min_length=1)
    sms: str = Field(min_length=1, max_length=320)

    @field_validator("subject", "body", "sms")
    @classmethod
    def _known_placeholders(cls, text: str) -> str:
        unknown = sorted(_placeholders(text) - PLACEHOLDERS)
        if unknown:
            raise ValueError(f"unknown placeholder(s) {unknown}; allowed: {sorted(PLACEHOLDERS)}")
        return text


class Phrases(_Strict):
    delay_reason: dict[str, str]
    estimate: str
    no_estimate: str
    next_attempt: str
    no_next_attempt: str

    @field_validator("delay_reason")
    @classmethod
    def _has_other(cls, value: dict[str, str]) -> dict[str, str]:
        if "other" not in value:
            raise ValueError("delay_reason needs an 'other' phrase for reasons it does not list")
        return value


class TemplateBook(_Strict):
    phrases: Phrases
    messages: dict[str, MessageTemplate]

    def template(self, message_type: str) -> MessageTemplate:
        try:
            return self.messages[message_type]
        except KeyError:
            raise KeyError(f"no message template {message_type!r} in {TEMPLATES_FILE.name}") from None


def parse_templates(document: Mapping[str, Any]) -> TemplateBook:
    return TemplateBook.model_validate(
        {key: value for key, value in document.items() if not key.startswith("_")}
    )


@lru_cache(maxsize=1)
def load_templates(path: Path = TEMPLATES_FILE) -> TemplateBook:
    return parse_templates(json.loads(path.read_text()))


def spoken_date(day: date) -> str:
    """'Thursday, May 14' — how people say a delivery date."""
    return f"{day:%A}, {day:%B} {day.day}"


def message_context(
    book: TemplateBook, order_id: str, detail: Mapping[str, Any], **links: str
) -> dict[str, str]:
    """The placeholder values for an order and an exception's facts (reason, the carrier's dates)."""
    phrases = book.phrases
    reason = detail.get("reason")
    estimate = detail.get("new_estimated_delivery") or detail.get("estimated_delivery")
    attempt = detail.get("next_attempt")
    context = {
        "order_id": order_id,
        "delay_reason": phrases.delay_reason.get(reason, phrases.delay_reason["other"])
        if isinstance(reason, str)
        else phrases.delay_reason["other"],
        "estimate": phrases.estimate.format(date=spoken_date(date.fromisoformat(estimate)))
        if estimate
        else phrases.no_estimate,
        "next_attempt": phrases.next_attempt.format(date=spoken_date(date.fromisoformat(attempt)))
        if attempt
        else phrases.no_next_attempt,
    }
    return {**context, **links}


def render(
    book: TemplateBook, message_type: str, channel: Channel, context: Mapping[str, str]
) -> tuple[str | None, str]:
    """(subject, body) of a message; SMS has no subject. A placeholder without a value is an error."""
    template = book.template(message_type)
    texts = (template.sms,) if channel == "sms" else (template.subject, template.body)
    needed = set().union(*(_placeholders(text) for text in texts))
    missing = sorted(needed - set(context))
    if missing:
        raise KeyError(f"message {message_type!r}: no value for {missing}")
    if channel == "sms":
        return None, template.sms.format_map(context)
    return template.subject.format_map(context), template.body.format_map(context)
