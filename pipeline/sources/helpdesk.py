"""The helpdesk (`helpdesk`): Zendesk-style ticket audits and satisfaction ratings, as the API answers them.

Two payload shapes:
- a ticket-events page (`ticket_events`) with the tickets its audits belong to sideloaded under
  `tickets`, the way Zendesk sideloads related records. An audit carries the time and what changed; the
  ticket carries the order (a custom field), the RMA, the tags and the channel. An audit's status change
  gives the event type (SUPPORT_TICKET_OPENED, CUSTOMER_REPORTED_ISSUE, RETURN_REQUESTED, REFUND_ISSUED),
  the ticket's tags and channel its attributes — all through helpdesk_codes.json;
- a satisfaction-ratings page (`satisfaction_ratings`): SURVEY_RESPONDED, score 1-5, order in `external_id`.

Times are UTC instants (`…Z`); an epoch date is refused (`invalid_timestamp`, rule `epoch`). Event ids
are the helpdesk's own: `audit:<id>` and `rating:<id>`, stable however often an export repeats them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pipeline.facility_time import TimestampError, parse_rfc3339
from pipeline.sources.base import ParseContext, Parsed, Rejection
from pipeline.sources.carriers.scan_times import EARLIEST_SCAN
from pipeline.sources.local_time import utc_text
from pipeline.sources.mapping import CodeEntry, CodeTable, load_code_table
from pipeline.sources.record_error import RecordError

CODES_FILE = Path(__file__).with_name("helpdesk_codes.json")
SUPPORT, RETURN = "support", "return"


class HelpdeskSignal(CodeEntry):
    signal: str = Field(pattern=r"^(audit|tag|via|rating)$")
    ticket_kind: str = Field(pattern=r"^(support|return|any)$")
    value: str = Field(min_length=1)


class HelpdeskSetup(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    custom_fields: dict[str, int] = Field(description="order_ref and rma_id: the ids of those ticket fields")
    refund_comment: re.Pattern[str] = Field(
        description="The refund audit's comment: amount, currency, rma_id"
    )


@lru_cache(maxsize=1)
def helpdesk_table() -> tuple[HelpdeskSetup, CodeTable[HelpdeskSignal]]:
    setup = HelpdeskSetup.model_validate(json.loads(CODES_FILE.read_text()))
    return setup, load_code_table(CODES_FILE, HelpdeskSignal, ("signal", "ticket_kind", "value"))


@dataclass(frozen=True)
class HelpdeskExport:
    source: str
    format: str = "helpdesk"

    def parse(self, payload: bytes, context: ParseContext) -> Iterator[Parsed]:
        try:
            body = json.loads(payload)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            yield Rejection("malformed_payload", f"not JSON: {error}", "payload", "json")
            return
        if isinstance(body, dict) and isinstance(body.get("ticket_events"), list):
            tickets = {t.get("id"): t for t in body.get("tickets") or [] if isinstance(t, dict)}
            records, build = body["ticket_events"], lambda audit: self._audit_event(audit, tickets)
        elif isinstance(body, dict) and isinstance(body.get("satisfaction_ratings"), list):
            records, build = body["satisfaction_ratings"], self._rating_event
        else:
            yield Rejection(
                "malformed_payload",
                "not a ticket-events or satisfaction-ratings page",
                "payload",
                "helpdesk_page",
                record=body,
            )
            return
        for index, record in enumerate(records):
            try:
                event = build(record)
            except RecordError as error:
                yield Rejection(
                    error.reason, error.message, error.field, error.rule, record=record, record_index=index
                )
                continue
            if event is not None:
                yield event

    def tracking_numbers(self, payload: bytes) -> set[str]:
        return set()

    def _audit_event(self, audit: object, tickets: Mapping[Any, dict]) -> dict[str, Any] | None:
        if not isinstance(audit, Mapping) or not isinstance(audit.get("id"), int):
            raise RecordError(
                "malformed_payload", "ticket_event", "object", "a ticket event is an object with an id"
            )
        change = _status_change(audit)
        if change is None:
            return None
        ticket = tickets.get(audit.get("ticket_id"))
        if ticket is None:
            raise RecordError(
                "missing_field",
                "tickets",
                "sideloaded_ticket",
                f"ticket {audit.get('ticket_id')} is not sideloaded",
            )
        setup, table = helpdesk_table()
        fields = _custom_fields(ticket, setup)
        kind = RETURN if fields.get("rma_id") else SUPPORT
        entry = table.lookup(("audit", kind, change))
        if entry is None:
            raise RecordError(
                "unknown_code",
                "child_events",
                "helpdesk_codes",
                f"status change {change!r} on a {kind} ticket is not mapped",
            )
        attributes = {**entry.attributes, **_implied(table, entry.event_type, kind, ticket)}
        attributes.update(_facts(entry.event_type, audit, ticket, fields, setup))
        return {
            "event_id": f"audit:{audit['id']}",
            "source": self.source,
            "event_type": entry.event_type,
            "occurred_at": _instant(audit.get("created_at"), "created_at"),
            "order_id": _order(fields.get("order_ref"), "custom_fields.order_ref"),
            "attributes": {key: value for key, value in attributes.items() if value is not None},
        }

    def _rating_event(self, rating: object) -> dict[str, Any]:
        if not isinstance(rating, Mapping) or not isinstance(rating.get("id"), int):
            raise RecordError(
                "malformed_payload", "satisfaction_rating", "object", "a rating is an object with an id"
            )
        entry = helpdesk_table()[1].lookup(("rating", "any", "satisfaction_rating"))
        attributes = {
            **entry.attributes,
            "score": rating.get("score"),
            "survey_id": str(rating["id"]),
            "comment": rating.get("comment"),
        }
        return {
            "event_id": f"rating:{rating['id']}",
            "source": self.source,
            "event_type": entry.event_type,
            "occurred_at": _instant(rating.get("created_at"), "created_at"),
            "order_id": _order(rating.get("external_id"), "external_id"),
            "attributes": {key: value for key, value in attributes.items() if value is not None},
        }


def _status_change(audit: Mapping[str, Any]) -> str | None:
    for child in audit.get("child_events") or []:
        if isinstance(child, Mapping) and child.get("field_name") == "status":
            return f"{child.get('event_type')}/status/{child.get('value')}"
    return None


def _custom_fields(ticket: Mapping[str, Any], setup: HelpdeskSetup) -> dict[str, Any]:
    values = {
        field.get("id"): field.get("value")
        for field in ticket.get("custom_fields") or []
        if isinstance(field, Mapping)
    }
    return {name: values.get(field_id) for name, field_id in setup.custom_fields.items()}


def _implied(
    table: CodeTable[HelpdeskSignal], event_type: str, kind: str, ticket: Mapping[str, Any]
) -> dict[str, Any]:
    """What the ticket's tags and channel say about an event of `event_type` (tags meaning nothing add nothing)."""
    via = ticket.get("via") if isinstance(ticket.get("via"), Mapping) else {}
    signals = [("tag", tag) for tag in sorted(ticket.get("tags") or [])] + [("via", str(via.get("channel")))]
    implied: dict[str, Any] = {}
    for signal, value in signals:
        entry = table.lookup((signal, kind, value))
        if entry is not None and entry.event_type == event_type:
            implied.update(entry.attributes)
    return implied


def _facts(
    event_type: str,
    audit: Mapping[str, Any],
    ticket: Mapping[str, Any],
    fields: Mapping[str, Any],
    setup: HelpdeskSetup,
) -> dict[str, Any]:
    ticket_id = str(ticket.get("id"))
    if event_type == "SUPPORT_TICKET_OPENED":
        return {"ticket_id": ticket_id, "subject": ticket.get("subject")}
    if event_type == "CUSTOMER_REPORTED_ISSUE":
        return {"ticket_id": ticket_id}
    if event_type == "RETURN_REQUESTED":
        return {"rma_id": fields.get("rma_id")}
    if event_type == "REFUND_ISSUED":
        return _refund(audit, setup)
    return {}


def _refund(audit: Mapping[str, Any], setup: HelpdeskSetup) -> dict[str, Any]:
    for child in audit.get("child_events") or []:
        if isinstance(child, Mapping) and child.get("event_type") == "Comment":
            match = setup.refund_comment.match(str(child.get("body", "")))
            if match:
                return {
                    "amount": float(match["amount"]),
                    "currency": match["currency"],
                    "rma_id": match["rma_id"],
                }
    raise RecordError(
        "missing_field", "child_events.body", "refund_comment", "the refund audit's comment gives no amount"
    )


def _instant(value: object, field: str) -> str:
    try:
        instant = parse_rfc3339(value, field)
    except TimestampError as error:
        raise RecordError("invalid_timestamp", error.field, error.rule, error.message) from None
    if instant < EARLIEST_SCAN:
        raise RecordError("invalid_timestamp", field, "epoch", f"{value!r} is the epoch or a zero date")
    return utc_text(instant)


def _order(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RecordError("missing_field", field, "order_reference", "the record names no order")
    return value.strip()


def adapter(source: str) -> HelpdeskExport:
    return HelpdeskExport(source)
