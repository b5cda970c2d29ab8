"""Exception queue arithmetic for people: ages in words, the table a group shows, the headline figures.
Pure functions of frames; the page only lays them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from pipeline.exceptions.rules import load_rules

ALL = None
NOTHING = "—"
TABLE_COLUMNS = (
    "Severity",
    "Type",
    "Order",
    "Facility",
    "Carrier",
    "Age",
    "Promise at risk",
    "State",
    "Next step",
    "Assigned to",
    "Evidence",
)


@dataclass(frozen=True)
class Headline:
    unresolved: int
    critical: int
    at_risk: int
    escalated: int


def exception_types() -> list[str]:
    """Every type the rules can open, for the type filter."""
    rules = load_rules()
    return sorted([*rules.event_rules, *rules.silent_rules])


def age_text(age: timedelta) -> str:
    """'2 d 4 h', '3 h 05 min', '12 min' — how long a problem has existed."""
    minutes = max(int(age.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


def queue_table(rows: pl.DataFrame, now: datetime) -> pl.DataFrame:
    """One group's rows as the queue shows them, in the order given (most urgent first)."""
    ages = [age_text(now - at) for at in rows["occurred_at"]]
    next_step = [
        f"Suggested: {label}"
        if state == "escalated" and label
        else (f"Automation: {automation}" if automation else "")
        for state, label, automation in zip(
            rows["state"], rows["suggested_label"], rows["automation"], strict=True
        )
    ]
    return pl.DataFrame(
        {
            "Severity": [value.capitalize() for value in rows["severity"]],
            "Type": rows["exception_type"],
            "Order": rows["order_id"],
            "Facility": rows["facility_id"].fill_null(NOTHING),
            "Carrier": rows["carrier_id"].fill_null(NOTHING),
            "Age": ages,
            "Promise at risk": rows["promise_at_risk"],
            "State": rows["state"],
            "Next step": next_step,
            "Assigned to": rows["assigned_to"].fill_null(NOTHING),
            "Evidence": rows["evidence_count"],
        },
        schema_overrides={"Next step": pl.String(), "Age": pl.String()},
    )


def headline(counts: pl.DataFrame) -> Headline:
    totals = counts.select(pl.col("exceptions", "critical", "at_risk", "escalated").sum())
    row = totals.row(0) if counts.height else (0, 0, 0, 0)
    return Headline(*(int(value or 0) for value in row))
