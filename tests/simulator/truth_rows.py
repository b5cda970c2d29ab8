"""Hand-built truth rows for the source-system tests: a few readable records instead of a whole world."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from simulator.truth import TRUTH_SCHEMA

T0 = datetime(2026, 9, 1, 17, 0, 0, tzinfo=UTC)


def truth(
    event_type: str,
    *,
    source_system: str,
    at: datetime = T0,
    order_id: str = "SO-00012345",
    seq: int = 1,
    detail: dict[str, Any] | None = None,
    available_after: timedelta = timedelta(0),
    **columns: Any,
) -> dict[str, Any]:
    """One truth record; `detail` is given as a dict and stored as the JSON text the world writes."""
    row: dict[str, Any] = dict.fromkeys(TRUTH_SCHEMA)
    row.update(
        record_uid=f"{order_id}:{seq:02d}",
        order_id=order_id,
        event_type=event_type,
        occurred_at=at,
        available_at=at + available_after,
        source_system=source_system,
        detail=json.dumps(detail or {}, separators=(",", ":")),
    )
    unknown = set(columns) - set(TRUTH_SCHEMA)
    if unknown:
        raise KeyError(f"not truth columns: {sorted(unknown)}")
    row.update(columns)
    return row


def truth_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=TRUTH_SCHEMA)
