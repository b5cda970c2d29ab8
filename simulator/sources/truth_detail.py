"""Reading the truth rows' `detail` JSON cheaply, and filling vendor columns per event type.

Decoding nested JSON is the costliest step of rendering, so a text is decoded once however often it
repeats (the same hub, the same facility), and event types decode only the keys they use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field

import polars as pl

LOCATION = pl.Struct({"city": pl.String, "state": pl.String, "postal_code": pl.String, "country": pl.String})


def with_detail(frame: pl.DataFrame, dtype: pl.Struct, *, alias: str = "d") -> pl.DataFrame:
    """`frame` plus a struct column `alias` decoded from `detail` with the given schema.

    Keys absent from a record decode as null; keys not in `dtype` are ignored.
    """
    distinct = frame.select("detail").unique().drop_nulls()
    decoded = distinct.with_columns(pl.col("detail").str.json_decode(dtype).alias(alias))
    return frame.join(decoded, on="detail", how="left", maintain_order="left")


def field(name: str, alias: str = "d") -> pl.Expr:
    """A field of the decoded detail struct."""
    return pl.col(alias).struct.field(name)


def detail_keys(*names: str, **typed: pl.DataType) -> pl.Struct:
    """The schema of the detail keys an event type reads: `names` are strings, `typed` say their type."""
    return pl.Struct({**dict.fromkeys(names, pl.String), **typed})


def json_object(**fields: pl.Expr) -> pl.Expr:
    """A JSON object text built from named expressions."""
    return pl.struct(**fields).struct.json_encode()


@dataclass(frozen=True)
class EventColumns:
    """What a vendor writes for one event type: the detail keys it reads, and its column values."""

    detail: pl.Struct | None = None
    columns: Mapping[str, pl.Expr] = dataclass_field(default_factory=dict)


def columns_per_event_type(
    frame: pl.DataFrame, specs: Mapping[str, EventColumns], output: Mapping[str, pl.DataType]
) -> pl.DataFrame:
    """Add the `output` columns to `frame`, each event type filled by its spec (null where it has none).

    Each event type is rendered on its own rows only, so a costly column (an order download's JSON) is
    computed for the rows that carry it and not for the millions that do not.
    """
    parts = []
    for (event_type,), part in frame.partition_by("event_type", as_dict=True, maintain_order=True).items():
        spec = specs.get(str(event_type), EventColumns())
        if spec.detail is not None:
            part = with_detail(part, spec.detail)
        values = {name: spec.columns.get(name, pl.lit(None)).cast(dtype) for name, dtype in output.items()}
        parts.append(part.with_columns(**values).drop("d", strict=False))
    if not parts:
        return frame.with_columns(**{name: pl.lit(None, dtype) for name, dtype in output.items()})
    return pl.concat(parts, how="vertical")
