"""Rows as PostgreSQL COPY CSV lines, built with polars expressions (no per-row Python).

One line per row lets the engine sort rows of a table by `available_at` across batches, keep not-yet-due
rows as text in `sim.pending`, and stream either into COPY unchanged. A non-null value is written
quoted when it may contain separators; an unquoted empty field is NULL, a quoted empty one is ''.
"""

from __future__ import annotations

import polars as pl

_UTC_FORMAT = "%Y-%m-%d %H:%M:%S%.6f+00"
_WALL_FORMAT = "%Y-%m-%d %H:%M:%S%.6f"


def _field(name: str, dtype: pl.DataType) -> pl.Expr:
    column = pl.col(name)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            return column.dt.convert_time_zone("UTC").dt.strftime(_UTC_FORMAT)
        return column.dt.strftime(_WALL_FORMAT)
    if isinstance(dtype, pl.Date):
        return column.dt.strftime("%Y-%m-%d")
    if dtype.is_numeric() or isinstance(dtype, pl.Boolean):
        return column.cast(pl.String)
    if isinstance(dtype, pl.Struct):
        text = column.struct.json_encode()
    elif isinstance(dtype, pl.List | pl.Array):
        text = pl.struct(column.alias("v")).struct.json_encode().str.slice(5).str.strip_suffix("}")
    elif isinstance(dtype, pl.String | pl.Categorical | pl.Enum | pl.Null):
        text = column.cast(pl.String)
    else:
        raise TypeError(f"column {name!r}: cannot write {dtype} to COPY CSV")
    quoted = pl.lit('"') + text.str.replace_all('"', '""', literal=True) + pl.lit('"')
    return pl.when(column.is_not_null()).then(quoted)


def csv_lines(frame: pl.DataFrame) -> pl.Series:
    """One COPY CSV line per row of `frame`, columns in frame order."""
    fields = [_field(name, dtype).fill_null("") for name, dtype in frame.schema.items()]
    return frame.select(pl.concat_str(fields, separator=",").alias("line")).to_series()


def copy_payload(lines: pl.Series) -> bytes:
    """Lines joined into one COPY FROM STDIN body."""
    if lines.len() == 0:
        return b""
    return (lines.str.join("\n").item() + "\n").encode()
