"""Imperfections of the sources themselves (not of the world): resent duplicate scans, scans delivered out
of order, records that arrive hours late (RF guns uploading a session in one batch) and invalid timestamps.
Each marks the truth row's `anomaly` so the source system renders it and the ground truth records it.

The random draws are columns of uniforms drawn per generation hour (`draw_uniforms`), one set per row, so a
batch of many hours gives each row exactly the decisions it gets when its hour is generated alone.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from simulator.clock import HOUR_US, MINUTE_US, zone_calendar
from simulator.parameters import SourceAnomalies

UNIFORMS = (
    "u_dup",
    "u_dup_delay",
    "u_ooo",
    "u_ooo_push",
    "u_late",
    "u_late_delay",
    "u_session",
    "u_invalid",
    "u_kind",
    "u_gap",
)


def draw_uniforms(rng: np.random.Generator, rows: int) -> np.ndarray:
    """The uniforms of one generation hour: shape (len(UNIFORMS), rows)."""
    return rng.random((len(UNIFORMS), rows))


def inject_source_anomalies(
    truth: pl.DataFrame, rates: SourceAnomalies, facility_zone: dict[str, str]
) -> pl.DataFrame:
    """`truth` carries the UNIFORMS columns and `_hour` (generation hour); both are dropped on return."""
    truth = _duplicates(truth, rates)
    truth = _out_of_order(truth, rates)
    truth = _late_arrivals(truth, rates)
    truth = _invalid_timestamps(truth, rates, facility_zone)
    return truth.drop(*UNIFORMS, "_hour")


def _micros(expr: pl.Expr) -> pl.Expr:
    return pl.duration(microseconds=expr.cast(pl.Int64))


def _duplicates(truth: pl.DataFrame, rates: SourceAnomalies) -> pl.DataFrame:
    copies = truth.filter(
        (pl.col("source_system") == "carrier") & (pl.col("u_dup") < rates.duplicate_scan_rate)
    )
    copies = copies.with_columns(
        duplicate_of=pl.col("record_uid"),
        record_uid=pl.col("record_uid") + ":dup",
        anomaly=pl.lit("duplicate_resend"),
        available_at=pl.col("available_at") + _micros(2 * MINUTE_US + pl.col("u_dup_delay") * 88 * MINUTE_US),
    )
    return pl.concat([truth, copies])


def _out_of_order(truth: pl.DataFrame, rates: SourceAnomalies) -> pl.DataFrame:
    """A scan shows up after the next scan of the same parcel (only scans that have a next one)."""
    scan = (pl.col("source_system") == "carrier") & pl.col("anomaly").is_null()
    following = (
        pl.when(scan)
        .then(pl.col("available_at"))
        .otherwise(None)
        .shift(-1)
        .over("tracking_number", order_by=["occurred_at", "record_uid"])
    )
    truth = truth.with_columns(_next=pl.when(scan).then(following))
    chosen = pl.col("_next").is_not_null() & (pl.col("u_ooo") < rates.out_of_order_scan_rate)
    pushed = pl.col("_next") + _micros(MINUTE_US + pl.col("u_ooo_push") * 29 * MINUTE_US)
    return truth.with_columns(
        available_at=pl.when(chosen)
        .then(pl.max_horizontal("available_at", pushed))
        .otherwise("available_at"),
        anomaly=pl.when(chosen).then(pl.lit("out_of_order")).otherwise("anomaly"),
    ).drop("_next")


def _late_arrivals(truth: pl.DataFrame, rates: SourceAnomalies) -> pl.DataFrame:
    """Part of the late records (rf_batch_session_share) are RF-gun sessions: one picker's hour uploaded at once."""
    free = pl.col("anomaly").is_null()
    rf_row = (pl.col("event_type") == "ITEM_PICKED") & (pl.col("source_system") == "wms")
    truth = truth.with_columns(
        _key=pl.when(rf_row).then(
            pl.concat_str(
                pl.col("operator_id"),
                pl.col("_hour"),
                pl.col("occurred_at").dt.truncate("1h").dt.epoch("s"),
                separator=":",
            )
        )
    )
    # Per generation hour: the share of RF sessions uploaded late so that they make up their part of the rate.
    rf_rows = pl.col("_key").count().over("_hour")
    session_share = rates.late_arrival_rate * rates.rf_batch_session_share * pl.len().over("_hour") / rf_rows
    in_batch = (
        (pl.col("u_session").first().over("_key") < session_share) & pl.col("_key").is_not_null() & free
    )
    single_rate = rates.late_arrival_rate * (1 - rates.rf_batch_session_share)
    low, high = rates.late_arrival_hours
    delay = _micros((low + pl.col("u_late_delay") * (high - low)) * HOUR_US)
    batch_delay = _micros((low + pl.col("u_late_delay").first().over("_key") * (high - low)) * HOUR_US)
    batch_end = pl.col("occurred_at").max().over("_key") + batch_delay
    truth = truth.with_columns(
        _batch=in_batch.fill_null(False), _single=free & (pl.col("u_late") < single_rate)
    )
    truth = truth.with_columns(_single=pl.col("_single") & ~pl.col("_batch"))
    return truth.with_columns(
        available_at=pl.when(pl.col("_batch"))
        .then(pl.max_horizontal("available_at", batch_end))
        .when(pl.col("_single"))
        .then(pl.max_horizontal("available_at", pl.col("occurred_at") + delay))
        .otherwise("available_at"),
        anomaly=pl.when(pl.col("_batch") | pl.col("_single"))
        .then(pl.lit("late_arrival"))
        .otherwise("anomaly"),
    ).drop("_key", "_batch", "_single")


def _invalid_timestamps(
    truth: pl.DataFrame, rates: SourceAnomalies, facility_zone: dict[str, str]
) -> pl.DataFrame:
    free = pl.col("anomaly").is_null()
    kinds = list(rates.invalid_timestamp_kinds)
    bounds = np.cumsum(list(rates.invalid_timestamp_kinds.values()))
    kind = pl.lit(kinds[-1])
    for name, bound in reversed(list(zip(kinds[:-1], bounds[:-1], strict=True))):
        kind = pl.when(pl.col("u_kind") < bound).then(pl.lit(name)).otherwise(kind)
    chosen = free & (pl.col("u_invalid") < rates.invalid_timestamp_rate)

    zone = (
        truth.select(
            pl.when(pl.col("source_system") == "carrier")
            .then(pl.col("detail").str.json_path_match("$.location_time_zone"))
            .when(pl.col("source_system").is_in(["wms", "store_tool"]))
            .then(pl.col("facility_id").replace_strict(facility_zone, default=None))
        )
        .to_series()
        .to_numpy()
    )
    occurred = truth["occurred_at"].dt.epoch("us").to_numpy()
    gap_day = np.zeros(truth.height, dtype=bool)
    for name in {z for z in zone if z}:
        calendar = zone_calendar(name)
        mask = zone == name
        gap_day[mask] = np.isin(calendar.day(occurred[mask]), calendar.spring_forward_days)
    gap = (
        free
        & ~chosen
        & pl.Series(gap_day)
        & (pl.col("u_gap") < rates.nonexistent_local_rate_on_spring_forward_day)
    )
    return truth.with_columns(
        anomaly=pl.when(chosen)
        .then(kind)
        .when(gap)
        .then(pl.lit("invalid_timestamp:nonexistent_local"))
        .otherwise("anomaly")
    )
