"""From the live flow's figures to what a floor screen shows: stage tiles with their bottleneck
reasons, this hour's throughput against the plan, and the orders at risk in the facility's words.

Pure functions of plain values, polars frames and an explicit `now`: no Streamlit, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from dashboard.flow_thresholds import LIVE_FLOW_STAGES, FacilityFlow, ThroughputPlan


@dataclass(frozen=True)
class StageTile:
    stage: str
    label: str
    orders: int
    oldest_age: timedelta | None
    median_age: timedelta | None
    growth: int | None  # orders more than at the start of the growth window; None: no snapshot that old
    oldest_limit: timedelta
    growth_limit: int | None
    growth_window_minutes: int

    @property
    def age_over(self) -> bool:
        return self.oldest_age is not None and self.oldest_age > self.oldest_limit

    @property
    def growth_over(self) -> bool:
        return self.growth is not None and self.growth_limit is not None and self.growth > self.growth_limit

    @property
    def bottleneck(self) -> bool:
        return self.age_over or self.growth_over

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the stage is red, in words (empty when it is not)."""
        reasons = []
        if self.age_over:
            reasons.append(f"oldest over {format_age(self.oldest_limit)}")
        if self.growth_over:
            reasons.append(f"grew by more than {self.growth_limit:,} in {self.growth_window_minutes} min")
        return tuple(reasons)


@dataclass(frozen=True)
class ThroughputLine:
    label: str
    done: int
    planned: int  # for the whole hour
    by_now: int  # the hour's plan in proportion to the minutes gone

    @property
    def versus_pace(self) -> int:
        return self.done - self.by_now


def age(since: datetime | None, now: datetime) -> timedelta | None:
    """How long ago `since` was; never negative (a source clock slightly ahead reads as just now)."""
    if since is None:
        return None
    return max(now - since, timedelta(0))


def stage_tiles(
    stages: pl.DataFrame,
    earlier_counts: dict[str, int] | None,
    now: datetime,
    limits: FacilityFlow,
    growth_window_minutes: int,
) -> list[StageTile]:
    """One tile per live-flow stage, in flow order. `stages` has stage, orders, oldest_entered_at,
    median_entered_at; `earlier_counts` the orders per stage at the start of the growth window."""
    by_stage = {row["stage"]: row for row in stages.iter_rows(named=True)}
    tiles = []
    for stage, label in LIVE_FLOW_STAGES.items():
        row = by_stage.get(stage, {})
        orders = int(row.get("orders") or 0)
        limit = limits.stages[stage]
        tiles.append(
            StageTile(
                stage=stage,
                label=label,
                orders=orders,
                oldest_age=age(row.get("oldest_entered_at"), now),
                median_age=age(row.get("median_entered_at"), now),
                growth=orders - earlier_counts.get(stage, 0) if earlier_counts is not None else None,
                oldest_limit=timedelta(minutes=limit.oldest_minutes),
                growth_limit=limit.growth_orders,
                growth_window_minutes=growth_window_minutes,
            )
        )
    return tiles


def throughput_lines(
    packed: int, shipped: int, plan: ThroughputPlan, hour_start: datetime, now: datetime
) -> list[ThroughputLine]:
    """Packed and shipped so far this facility-local hour, against the hour's plan and its pace."""
    gone = min(max((now - hour_start).total_seconds() / 3600, 0.0), 1.0)
    return [
        ThroughputLine("Packed", packed, plan.packed, round(plan.packed * gone)),
        ThroughputLine("Shipped", shipped, plan.shipped, round(plan.shipped * gone)),
    ]


def at_risk_table(at_risk: pl.DataFrame, now: datetime, zone: ZoneInfo) -> pl.DataFrame:
    """The at-risk orders as the floor reads them: ship-by in the facility's time, late or due in how
    long, and how long the order has sat in its stage. Oldest ship-by first, as given."""
    rows = []
    for row in at_risk.iter_rows(named=True):
        ship_by = row["ship_by"]
        stage = LIVE_FLOW_STAGES.get(row["stage"], row["stage"])
        rows.append(
            {
                "Order": row["order_id"],
                "Stage": f"{stage} (on hold)" if row["on_hold"] else stage,
                "Ship by": local_moment(ship_by, now, zone),
                "Due": f"late {format_age(now - ship_by)}"
                if ship_by < now
                else f"in {format_age(ship_by - now)}",
                "In stage": format_age(age(row["stage_entered_at"], now)),
            }
        )
    return pl.DataFrame(
        rows, schema=dict.fromkeys(("Order", "Stage", "Ship by", "Due", "In stage"), pl.String())
    )


def format_age(span: timedelta | None) -> str:
    """A duration as a floor reads it from afar: '<1 min', '42 min', '2 h 05', '3 d 4 h'."""
    if span is None:
        return "–"
    minutes = int(span.total_seconds() // 60)
    if minutes < 1:
        return "<1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d}"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def local_clock(instant: datetime, zone: ZoneInfo) -> str:
    """'14:02:10 PST': wall time with seconds and the zone's abbreviation."""
    return instant.astimezone(zone).strftime("%H:%M:%S %Z")


def local_moment(instant: datetime, now: datetime, zone: ZoneInfo) -> str:
    """'16:30 PST' today (in `zone`), 'Fri 16:30 PST' on another day."""
    local = instant.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return local.strftime("%H:%M %Z")
    return local.strftime("%a %H:%M %Z")


def hour_label(hour_start: datetime) -> str:
    """'14:00–15:00 PST' for the facility-local hour starting at `hour_start`."""
    end = (hour_start.astimezone(UTC) + timedelta(hours=1)).astimezone(hour_start.tzinfo)
    return f"{hour_start:%H:%M}–{end:%H:%M} {hour_start:%Z}"


def feed_is_silent(last_event_at: datetime | None, now: datetime, silent_minutes: int) -> bool:
    """True when the facility's feed has sent nothing for longer than `silent_minutes` (or at all)."""
    quiet = age(last_event_at, now)
    return quiet is None or quiet > timedelta(minutes=silent_minutes)
