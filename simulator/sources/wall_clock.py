"""How a source system writes down the time of a record: a wall clock in some zone, maybe with an offset.

Every format starts from the same three columns that `stamp` adds to a frame of truth rows:
- `<prefix>_wall`: the naive wall-clock reading the source writes (facility-local, scan-local, …);
- `<prefix>_offset_min`: the UTC offset, in minutes, the source labels that reading with (formats that
  print no offset ignore it);
- `<prefix>_instant`: the UTC instant those two add up to, i.e. what the source believes happened.

Injected timestamp imperfections (simulator.truth.ANOMALY_KINDS) are rendered here once, so every format
breaks the same way: epoch and shifted dates, wall times inside a DST gap, local wall times labelled UTC.
Offsets are computed once per distinct (zone, UTC hour) and joined back, which is exact for zones whose
transitions fall on whole UTC hours (all US zones) and keeps the work independent of the row count.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

EPOCH_WALL = datetime(1970, 1, 1)
FUTURE_DAYS = (3, 700)
BEFORE_ORDER_DAYS = (30, 60)
_HASH_SEED = 20_260_301


def record_hash(column: str = "record_uid") -> pl.Expr:
    """A deterministic pseudo-random integer per record (same seed, same rendering)."""
    return pl.col(column).hash(seed=_HASH_SEED)


def utc_offsets(instants: pl.Series, zones: pl.Series) -> pl.Series:
    """UTC offset in minutes of each instant in its row's IANA zone."""
    keys = pl.DataFrame({"zone": zones, "hour": instants.dt.truncate("1h")})
    distinct = keys.unique().drop_nulls()
    parts = [
        distinct.filter(pl.col("zone") == zone).with_columns(
            offset_min=(
                pl.col("hour").dt.convert_time_zone(zone).dt.replace_time_zone(None)
                - pl.col("hour").dt.replace_time_zone(None)
            )
            .dt.total_minutes()
            .cast(pl.Int32)
        )
        for zone in distinct["zone"].unique().to_list()
    ]
    table = pl.concat(parts) if parts else distinct.with_columns(offset_min=pl.lit(None, pl.Int32))
    return keys.join(table, on=["zone", "hour"], how="left", maintain_order="left")["offset_min"]


def stamp(
    frame: pl.DataFrame,
    *,
    zone: pl.Expr,
    labelled: bool,
    instant: str = "occurred_at",
    prefix: str = "ts",
) -> pl.DataFrame:
    """Add `<prefix>_wall`, `<prefix>_offset_min` and `<prefix>_instant` as the source would show them.

    `zone` gives each row's IANA zone. `labelled` says whether the format prints an offset: a
    `wrong_offset` record is then its local wall time labelled UTC; in a format without an offset the
    same fault shows as the UTC wall time written where local time belongs (a device set to UTC).
    """
    anomaly = pl.col("anomaly")
    spread = record_hash()
    shifted = (
        pl.when(anomaly == "invalid_timestamp:future")
        .then(pl.col(instant) + pl.duration(days=FUTURE_DAYS[0] + spread % FUTURE_DAYS[1]))
        .when(anomaly == "invalid_timestamp:before_order")
        .then(pl.col(instant) - pl.duration(days=BEFORE_ORDER_DAYS[0] + spread % BEFORE_ORDER_DAYS[1]))
        .otherwise(pl.col(instant))
    )
    work = frame.with_columns(_shifted=shifted, _zone=zone)
    work = work.with_columns(_offset=utc_offsets(work["_shifted"], work["_zone"]))
    utc_wall = pl.col("_shifted").dt.replace_time_zone(None)
    local_wall = utc_wall + pl.duration(minutes=pl.col("_offset"))
    wrong_offset = anomaly == "invalid_timestamp:wrong_offset"
    wall = (
        pl.when(anomaly == "invalid_timestamp:epoch")
        .then(pl.lit(EPOCH_WALL))
        .when(anomaly == "invalid_timestamp:nonexistent_local")
        # Placed by the world on a spring-forward day: 02:xx local does not exist there.
        .then(local_wall.dt.replace(hour=2))
        .when(wrong_offset)
        .then(local_wall if labelled else utc_wall)
        .otherwise(local_wall)
    )
    offset = (
        pl.when(wrong_offset | (anomaly == "invalid_timestamp:epoch"))
        .then(pl.lit(0, pl.Int32))
        .otherwise(pl.col("_offset"))
    )
    work = work.with_columns(wall.alias(f"{prefix}_wall"), offset.alias(f"{prefix}_offset_min"))
    believed = pl.col(f"{prefix}_wall") - pl.duration(minutes=pl.col(f"{prefix}_offset_min"))
    return work.with_columns(believed.dt.replace_time_zone("UTC").alias(f"{prefix}_instant")).drop(
        "_shifted", "_zone", "_offset"
    )


def _offset_label(minutes: int, zero_as_z: bool) -> str:
    if minutes == 0 and zero_as_z:
        return "Z"
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# Every offset in use (quarter hours from -12:00 to +14:00), looked up instead of formatted per row.
_OFFSET_MINUTES = range(-12 * 60, 14 * 60 + 1, 15)
_OFFSET_LABELS = {
    zero_as_z: {minutes: _offset_label(minutes, zero_as_z) for minutes in _OFFSET_MINUTES}
    for zero_as_z in (False, True)
}


def offset_text(minutes: pl.Expr, *, zero_as_z: bool) -> pl.Expr:
    """`-07:00` style offset text; `Z` for zero when the format writes UTC that way."""
    return minutes.replace_strict(_OFFSET_LABELS[zero_as_z], return_dtype=pl.String)


def iso_wall(wall: pl.Expr) -> pl.Expr:
    """`2026-09-01T14:03:22`: a wall-clock reading without any offset."""
    return wall.dt.strftime("%Y-%m-%dT%H:%M:%S")


def iso_with_offset(prefix: str = "ts") -> pl.Expr:
    """`2026-09-01T14:03:22-07:00` (or `…Z` when the label is UTC)."""
    return pl.concat_str(
        iso_wall(pl.col(f"{prefix}_wall")), offset_text(pl.col(f"{prefix}_offset_min"), zero_as_z=True)
    )


def iso_utc(instant: pl.Expr) -> pl.Expr:
    """`2026-09-01T21:03:22Z` from a UTC instant."""
    return instant.dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
