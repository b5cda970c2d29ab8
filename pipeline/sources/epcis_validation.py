"""Checking a document against our EPCIS 2.0 JSON Schema, and saying what is wrong in pipeline terms.

A problem outside the event list rejects the whole document (the payload is kept as it came); a problem
inside an event rejects that event only, with the record. Each rejection names the field by its path
(`epcisBody.eventList[2].eventTimeZoneOffset`) and a rule: `required`, `offset_required` / `rfc3339`
(times), `time_zone_offset`, `cbv_bizstep` / `cbv_disposition` / `cbv_btt` (vocabularies),
`extension_namespace` (an unknown, un-namespaced field), `epcis_context`, or the JSON Schema keyword.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict

from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from pipeline.sources.base import Rejection
from pipeline.sources.epcis_vocabulary import EPCIS_CONTEXT, document_validator

TIME_FIELDS = {"eventTime", "creationDate", "recordTime", "declarationTime"}
VOCABULARY_RULES = {"bizStep": "cbv_bizstep", "disposition": "cbv_disposition"}
_NAIVE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?")
EVENTS_PATH = ("epcisBody", "eventList")


def validate_epcis_document(body: bytes) -> list[Rejection]:
    """Every schema problem of a document (empty when valid), for an API that answers 400 at once."""
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return [Rejection("malformed_payload", f"not JSON: {error}", "document", "json")]
    whole, per_event = schema_problems(document)
    return [whole] if whole else [per_event[index] for index in sorted(per_event)]


def schema_problems(document: object) -> tuple[Rejection | None, dict[int, Rejection]]:
    """(a rejection of the whole document, or one per invalid event by its index), from our schema."""
    errors = list(document_validator().iter_errors(document))
    by_event: dict[int, list[ValidationError]] = defaultdict(list)
    outside = []
    for error in errors:
        path = tuple(error.absolute_path)
        if path[:2] == EVENTS_PATH and len(path) > 2 and isinstance(path[2], int):
            by_event[path[2]].append(error)
        else:
            outside.append(error)
    if outside:
        return _rejection(best_match(outside), None), {}
    events = document["epcisBody"]["eventList"] if by_event else []
    return None, {
        index: _rejection(best_match(found), events[index], index) for index, found in by_event.items()
    }


def _rejection(error: ValidationError, record: object, index: int | None = None) -> Rejection:
    path = _path(error.absolute_path)
    name = next((str(p) for p in reversed(error.absolute_path) if isinstance(p, str)), "")
    if error.validator == "required":
        missing = next(n for n in error.validator_value if n not in error.instance)
        return Rejection(
            "missing_field", f"{missing!r} is required", _child(path, missing), "required", record, index
        )
    if "propertyNames" in error.schema_path:
        return Rejection(
            "malformed_payload",
            f"unknown field {error.instance!r}: extension fields are namespaced",
            _child(path, str(error.instance)),
            "extension_namespace",
            record,
            index,
        )
    if error.absolute_path and error.absolute_path[0] == "@context":
        return Rejection(
            "malformed_payload",
            f"@context must include the EPCIS 2.0 context ({EPCIS_CONTEXT})",
            "@context",
            "epcis_context",
            record,
            index,
        )
    if name in TIME_FIELDS:
        rule = (
            "offset_required"
            if isinstance(error.instance, str) and _NAIVE.fullmatch(error.instance)
            else "rfc3339"
        )
        return Rejection(
            "invalid_timestamp",
            f"{error.instance!r} is not a date-time with an offset",
            path,
            rule,
            record,
            index,
        )
    if name == "eventTimeZoneOffset":
        return Rejection(
            "invalid_timestamp", f"{error.instance!r} is not ±hh:mm", path, "time_zone_offset", record, index
        )
    vocabulary = (
        "cbv_btt"
        if name == "type" and "bizTransactionList" in error.absolute_path
        else VOCABULARY_RULES.get(name)
    )
    if vocabulary:
        return Rejection(
            "unknown_code",
            f"{error.instance!r} is neither a CBV 2.0 value nor a private URI",
            path,
            vocabulary,
            record,
            index,
        )
    rule = "epcis_document" if error.validator in ("const", "anyOf") and not path else str(error.validator)
    return Rejection("malformed_payload", error.message[:300], path or "document", rule, record, index)


def _path(parts) -> str:  # noqa: ANN001 - a jsonschema deque of keys and indexes
    text = ""
    for part in parts:
        text = f"{text}[{part}]" if isinstance(part, int) else (f"{text}.{part}" if text else str(part))
    return text


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
