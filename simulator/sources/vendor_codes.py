"""Vendor code tables: data files mapping what really happened to what a vendor system writes.

Each source keeps its table as JSON beside its module. A table is validated when loaded: every entry
names a known event type, an (event type, reason) pair appears once, and a vendor code never stands for
two different event types (the mistake that makes a mapping depend on which loop ran first).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

import polars as pl
from pydantic import BaseModel, Field

DEFAULT_REASON = ""


class CodeEntry(BaseModel):
    """One row of a vendor code table; sources extend it with their vendor fields."""

    event_type: str = Field(pattern=r"^[A-Z_]+$")
    reason: str = Field(default=DEFAULT_REASON, description="Empty: the entry for any reason")
    description: str = Field(min_length=1)


Entry = TypeVar("Entry", bound=CodeEntry)


class CodeTableError(ValueError):
    """A code table file breaks a rule; the message names the file, the field and the rule."""


def load_code_table(
    path: Path,
    entry_model: type[Entry],
    *,
    vendor_key: Iterable[str],
    event_types: Iterable[str],
) -> list[Entry]:
    """Read and validate `path` (a JSON object with an `entries` list)."""
    raw = json.loads(path.read_text())
    entries = [entry_model.model_validate(item) for item in raw["entries"]]
    known = set(event_types)
    key_fields = tuple(vendor_key)
    seen_pairs: set[tuple[str, str]] = set()
    meaning: dict[tuple, str] = {}
    for entry in entries:
        if entry.event_type not in known:
            raise CodeTableError(
                f"{path.name}: event_type {entry.event_type!r} is not one this source reports"
            )
        pair = (entry.event_type, entry.reason)
        if pair in seen_pairs:
            raise CodeTableError(f"{path.name}: (event_type, reason) {pair} appears twice")
        seen_pairs.add(pair)
        key = tuple(getattr(entry, name) for name in key_fields)
        if meaning.setdefault(key, entry.event_type) != entry.event_type:
            raise CodeTableError(
                f"{path.name}: vendor code {dict(zip(key_fields, key, strict=True))} stands for both "
                f"{meaning[key]} and {entry.event_type}"
            )
    missing = known - {entry.event_type for entry in entries if entry.reason == DEFAULT_REASON}
    if missing:
        raise CodeTableError(f'{path.name}: no default entry (reason "") for {sorted(missing)}')
    return entries


def code_frame(entries: Iterable[CodeEntry]) -> pl.DataFrame:
    return pl.DataFrame([entry.model_dump() for entry in entries])


def attach_codes(frame: pl.DataFrame, codes: pl.DataFrame, *, reason: pl.Expr, source: str) -> pl.DataFrame:
    """Join each truth row to its vendor code: the entry for its reason, else its event type's default.

    Raises when a row's event type has no entry at all, naming the source and the event types.
    """
    specific = codes.filter(pl.col("reason") != DEFAULT_REASON).select(
        "event_type", "reason", _specific=pl.lit(True)
    )
    keyed = (
        frame.with_columns(reason_key=reason.fill_null(DEFAULT_REASON))
        .join(
            specific,
            left_on=["event_type", "reason_key"],
            right_on=["event_type", "reason"],
            how="left",
            maintain_order="left",
        )
        .with_columns(
            reason_key=pl.when(pl.col("_specific"))
            .then(pl.col("reason_key"))
            .otherwise(pl.lit(DEFAULT_REASON))
        )
        .drop("_specific")
    )
    joined = keyed.join(
        codes.rename({"reason": "reason_key"}),
        on=["event_type", "reason_key"],
        how="left",
        maintain_order="left",
    )
    unmapped = joined.filter(pl.col("description").is_null())["event_type"].unique().to_list()
    if unmapped:
        raise CodeTableError(f"{source}: no vendor code for event types {sorted(unmapped)}")
    return joined.drop("reason_key")
