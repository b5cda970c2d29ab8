"""From the simulated sources' activity counters to what the Source activity page shows.

Pure functions of polars frames and an explicit `now`: no Streamlit, no database. The frames come
from dashboard/queries/source_activity.py:

- summary: one row per (source, facility_id) with events_total, events_last_hour,
  events_per_minute (average of the last 5 minutes) and last_event_at (UTC).
- series: one row per (minute, source) with the events counted in that minute.

How long a source may stay quiet before it is marked silent is data: dashboard/source_health.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, field_validator

from db.master_data import facilities

THRESHOLDS_FILE = Path(__file__).resolve().parent / "source_health.json"
UTC_INSTANT = pl.Datetime("us", "UTC")

SUMMARY_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "facility_id": pl.String(),
    "events_total": pl.Int64(),
    "events_last_hour": pl.Int64(),
    "events_per_minute": pl.Float64(),
    "last_event_at": UTC_INSTANT,
}
SERIES_SCHEMA: dict[str, pl.DataType] = {"minute": UTC_INSTANT, "source": pl.String(), "events": pl.Int64()}


class SourceHealthThresholds(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    refresh_seconds: int = Field(ge=2, le=300, description="How often the page reloads its figures")
    chart_minutes: int = Field(ge=5, le=24 * 60, description="Width of the per-minute chart")
    silent_after_minutes: dict[str, int] = Field(
        description="Source kind (text before ':' in the source name) -> minutes without events before "
        "the source is marked silent; 'default' for kinds not listed"
    )

    @field_validator("silent_after_minutes")
    @classmethod
    def _default_and_positive(cls, minutes: dict[str, int]) -> dict[str, int]:
        if "default" not in minutes:
            raise ValueError("silent_after_minutes needs a 'default' entry")
        for kind, value in minutes.items():
            if value < 1:
                raise ValueError(f"silent_after_minutes[{kind!r}] must be at least 1, got {value}")
        return minutes

    def silent_after(self, source: str) -> timedelta:
        kind = source.split(":", 1)[0]
        return timedelta(minutes=self.silent_after_minutes.get(kind, self.silent_after_minutes["default"]))


@cache
def thresholds() -> SourceHealthThresholds:
    return SourceHealthThresholds.model_validate(json.loads(THRESHOLDS_FILE.read_text()))


@dataclass(frozen=True)
class Headline:
    events_total: int
    events_per_minute: float
    sources_live: int
    sources_total: int
    last_event_age: timedelta | None  # None: no event at all yet


def source_rollup(summary: pl.DataFrame, now: datetime, limits: SourceHealthThresholds) -> pl.DataFrame:
    """One row per source (its facilities added up), with how long it has been quiet and whether that is
    longer than its threshold. Silent sources first, then by events in the last hour."""
    per_source = summary.group_by("source").agg(
        pl.col("events_total").sum(),
        pl.col("events_last_hour").sum(),
        pl.col("events_per_minute").sum(),
        pl.col("last_event_at").max(),
        pl.col("facility_id").drop_nulls().n_unique().alias("facilities"),
    )
    silent_after = [limits.silent_after(source) for source in per_source["source"]]
    quiet_for = [quiet_time(last, now) for last in per_source["last_event_at"]]
    return per_source.with_columns(
        pl.Series("quiet_for", quiet_for, dtype=pl.Duration("us")),
        pl.Series(
            "silent",
            [quiet is None or quiet > limit for quiet, limit in zip(quiet_for, silent_after, strict=True)],
            dtype=pl.Boolean(),
        ),
    ).sort(["silent", "events_last_hour", "source"], descending=[True, True, False])


def quiet_time(last_event_at: datetime | None, now: datetime) -> timedelta | None:
    """Time since the last event; never negative (a source clock slightly ahead counts as just now)."""
    if last_event_at is None:
        return None
    return max(now - last_event_at, timedelta(0))


def silent_sources(rollup: pl.DataFrame) -> list[str]:
    return rollup.filter(pl.col("silent"))["source"].to_list()


def headline(summary: pl.DataFrame, rollup: pl.DataFrame, now: datetime) -> Headline:
    last = summary["last_event_at"].max() if summary.height else None
    return Headline(
        events_total=int(summary["events_total"].sum()),
        events_per_minute=float(summary["events_per_minute"].sum()),
        sources_live=int((~rollup["silent"]).sum()),
        sources_total=rollup.height,
        last_event_age=quiet_time(last, now),
    )


def status(silent: bool, quiet_for: timedelta | None) -> str:
    """A status read at a glance: a mark and, when silent, for how long. The marks are in every common
    font (kiosk browsers often have no colour-emoji font)."""
    if not silent:
        return "✓ live"
    return "⚠ no events yet" if quiet_for is None else f"⚠ silent {format_age(quiet_for)}"


def source_table(rollup: pl.DataFrame, viewer_zone: ZoneInfo) -> pl.DataFrame:
    """The per-source table as people read it: status words, local times."""
    return pl.DataFrame(
        {
            "Status": [
                status(silent, quiet)
                for silent, quiet in zip(rollup["silent"], rollup["quiet_for"], strict=True)
            ],
            "Source": rollup["source"],
            "Events so far": rollup["events_total"],
            "Last hour": rollup["events_last_hour"],
            "Per minute": rollup["events_per_minute"].round(1),
            "Last event": [local_time(at, viewer_zone) for at in rollup["last_event_at"]],
            "Facilities": rollup["facilities"],
        }
    )


def facility_table(
    summary: pl.DataFrame, now: datetime, viewer_zone: ZoneInfo, facility_id: str | None = None
) -> pl.DataFrame:
    """One row per source and facility (only `facility_id`'s rows when given); the last event in the
    facility's own local time (the viewer's zone for rows without a facility)."""
    zones = {item.facility_id: item.zone for item in facilities()}
    names = {item.facility_id: item.name for item in facilities()}
    rows = summary if facility_id is None else summary.filter(pl.col("facility_id") == facility_id)
    rows = rows.sort(["source", "facility_id"], nulls_last=True)
    return pl.DataFrame(
        {
            "Source": rows["source"],
            "Facility": [facility or "—" for facility in rows["facility_id"]],
            "Facility name": [names.get(facility, "—") for facility in rows["facility_id"]],
            "Events so far": rows["events_total"],
            "Last hour": rows["events_last_hour"],
            "Per minute": rows["events_per_minute"].round(1),
            "Last event (local)": [
                local_time(at, zones.get(facility, viewer_zone))
                for at, facility in zip(rows["last_event_at"], rows["facility_id"], strict=True)
            ],
            "Quiet for": [format_age(quiet_time(at, now)) for at in rows["last_event_at"]],
        },
        schema_overrides={"Events so far": pl.Int64(), "Last hour": pl.Int64()},
    )


def minute_grid(series: pl.DataFrame, since: datetime, now: datetime) -> pl.DataFrame:
    """Every minute in [since, now] for every source in `series`, with 0 where nothing was counted, so a
    source that stops shows as a drop to zero rather than a line drawn across the gap."""
    first = since.replace(second=0, microsecond=0)
    last = now.replace(second=0, microsecond=0)
    minutes = pl.DataFrame(
        {"minute": pl.datetime_range(first, last, "1m", eager=True, time_zone="UTC")}
    ).cast({"minute": UTC_INSTANT})
    sources = series.select(pl.col("source").unique().sort())
    return (
        minutes.join(sources, how="cross")
        .join(series.cast(SERIES_SCHEMA), on=["minute", "source"], how="left")
        .with_columns(pl.col("events").fill_null(0))
        .sort(["source", "minute"])
    )


def local_time(at: datetime | None, zone: ZoneInfo) -> str:
    if at is None:
        return "—"
    local = at.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}"


def format_rate(per_minute: float) -> str:
    """Events per minute: one decimal while small, so a trickle does not read as zero."""
    return f"{per_minute:,.1f}" if per_minute < 10 else f"{per_minute:,.0f}"


def format_age(age: timedelta | None) -> str:
    """'45 s', '12 min', '3 h 05 min', '2 d 4 h' — short enough for a TV tile."""
    if age is None:
        return "—"
    seconds = int(age.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"
