"""An event's raw payload as an escalation needs it: readable JSON, and only the record behind the event.

Sources land pages of records (a WMS change-log page, a carrier's scan list, a helpdesk export), so the
payload behind one event can hold hundreds of others. `record_for_event` finds the record whose own id
is the event's id — the adapters derive event ids from it: the WMS row's `seq`, the store tool's `id`,
a carrier's vendor `event_id`, `audit:<id>` and `rating:<id>` for the helpdesk, EPCIS `eventID` — and
falls back to the whole payload when no record says so (a single-record webhook, a derived id).
Pure functions: no Streamlit, no database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# Keys a source record carries its own id under, compared lower-case.
RECORD_ID_KEYS = frozenset({"id", "seq", "event_id", "eventid", "event_key", "uuid"})
_SHOWN_TEXT_CHARS = 20_000


@dataclass(frozen=True)
class PayloadView:
    """What to show: `body` is parsed JSON, or text when the payload is not JSON."""

    body: Any
    is_json: bool
    whole_payload: bool  # False: `body` is the one record of a batch that produced the event


def decode_payload(payload: bytes) -> tuple[Any, bool]:
    """(parsed JSON with embedded JSON strings expanded, True), or (the text, False) when not JSON."""
    text = payload.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        lines = [line for line in text.splitlines() if line.strip()]
        try:
            parsed = [json.loads(line) for line in lines]  # JSON Lines
        except json.JSONDecodeError:
            return text[:_SHOWN_TEXT_CHARS], False
        if not lines:
            return text, False
    return expand_embedded_json(parsed), True


def expand_embedded_json(value: Any) -> Any:
    """Strings that hold a JSON object or array (a WMS `details` column) shown as the structure they hold."""
    if isinstance(value, Mapping):
        return {key: expand_embedded_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [expand_embedded_json(item) for item in value]
    if isinstance(value, str) and value[:1] in "{[" and value[-1:] in "}]":
        try:
            return expand_embedded_json(json.loads(value))
        except json.JSONDecodeError:
            return value
    return value


def record_ids(event_id: str) -> frozenset[str]:
    """The ids a source record may carry for this event id: itself, and the part after a kind prefix."""
    ids = {event_id}
    kind, separator, rest = event_id.partition(":")
    if separator and rest and kind.isalpha():
        ids.add(rest)
    return frozenset(ids)


def record_for_event(body: Any, event_id: str | None) -> tuple[Any, bool]:
    """(the record of `body` carrying the event's id, True), or (`body`, False) when none or several do."""
    if event_id is None:
        return body, False
    wanted = record_ids(event_id)
    found = [record for record in _records(body) if _carries_id(record, wanted)]
    if len(found) == 1 and found[0] is not body:
        return found[0], True
    return body, False


def payload_view(payload: bytes, event_id: str | None) -> PayloadView:
    body, is_json = decode_payload(payload)
    if not is_json:
        return PayloadView(body, False, True)
    record, narrowed = record_for_event(body, event_id)
    return PayloadView(record, True, not narrowed)


def _records(value: Any) -> Iterator[Mapping[str, Any]]:
    """Every object in the payload, outermost first."""
    if isinstance(value, Mapping):
        yield value
        for item in value.values():
            yield from _records(item)
    elif isinstance(value, list):
        for item in value:
            yield from _records(item)


def _carries_id(record: Mapping[str, Any], wanted: frozenset[str]) -> bool:
    return any(
        key.lower() in RECORD_ID_KEYS and _scalar_text(value) in wanted for key, value in record.items()
    )


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value)
