"""Canonical JSON Lines: one canonical event per line, for backfills and for onboarding a source before
its adapter exists. The events are already canonical; only the registry judges them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import orjson

from pipeline.sources.base import ParseContext, Parsed, Rejection


@dataclass(frozen=True)
class CanonicalJsonLines:
    source: str
    format: str = "canonical"

    def parse(self, payload: bytes, context: ParseContext) -> Iterator[Parsed]:
        for index, line in enumerate(payload.splitlines()):
            if not line.strip():
                continue
            try:
                event = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                yield Rejection(
                    "malformed_payload", f"line {index + 1} is not JSON: {error}", f"line {index + 1}",
                    "json", record=line, record_index=index,
                )  # fmt: skip
                continue
            yield event

    def tracking_numbers(self, payload: bytes) -> set[str]:
        """Carrier-stage events may come without an order id; they are completed from the shipment."""
        numbers = set()
        for line in payload.splitlines():
            if b'"order_id"' in line:
                continue
            try:
                event = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if (
                isinstance(event, dict)
                and "order_id" not in event
                and isinstance(event.get("tracking_number"), str)
            ):
                numbers.add(event["tracking_number"])
        return numbers


def adapter(source: str) -> CanonicalJsonLines:
    return CanonicalJsonLines(source)
