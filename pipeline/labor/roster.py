"""The roster: how many people are rostered per facility, shift and process, as supervisors keep it on
the Labor planning page. Every change is checked (a shift the facility works that day, a known process,
a whole number of people) and written to audit_log with its before and after, in the caller's
transaction, through the audit helper every person's action uses (dashboard.accounts)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl
from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import insert as upsert

from dashboard.accounts import audit_admin_action
from dashboard.auth import SignedInUser
from db.master_data import facility
from db.models.labor import LaborRoster
from pipeline.labor.standards import PROCESSES

MAX_HEADCOUNT = 1000
EDITOR_ROLES = frozenset({"admin", "manager", "supervisor"})
ROSTER_SCHEMA = {
    "day": pl.Date,
    "shift": pl.String,
    "process": pl.String,
    "headcount": pl.Int64,
    "updated_by": pl.String,
}
_ROSTER = text(
    """
    SELECT day, shift, process, headcount, updated_by
    FROM labor_roster
    WHERE facility_id = :facility_id AND day BETWEEN :first_day AND :last_day
    ORDER BY day, shift, process
    """
)


class RosterError(ValueError):
    """A roster change that breaks a rule; the message names the field and the rule."""


class RosterNotPermitted(PermissionError):
    """The acting user's role may not change the roster."""


@dataclass(frozen=True)
class RosterChange:
    day: date
    shift: str
    process: str
    headcount: int


@dataclass(frozen=True)
class AppliedChange:
    change: RosterChange
    before: int | None


def roster(conn: Connection, facility_id: str, first_day: date, last_day: date) -> pl.DataFrame:
    """Rostered headcount per day, shift and process from `first_day` to `last_day` (included)."""
    rows = conn.execute(
        _ROSTER, {"facility_id": facility_id, "first_day": first_day, "last_day": last_day}
    ).all()
    return pl.DataFrame([tuple(row) for row in rows], schema=ROSTER_SCHEMA, orient="row")


def check_change(facility_id: str, change: RosterChange) -> None:
    """Raise RosterError naming the field and the rule when `change` cannot be stored."""
    if isinstance(change.day, datetime) or not isinstance(change.day, date):
        raise RosterError(
            f"day: must be a calendar date (the local day the shift starts), not {change.day!r}"
        )
    shifts = {
        item.name for item in facility(facility_id).shift_calendar if change.day.weekday() in item.weekdays
    }
    if change.shift not in shifts:
        raise RosterError(
            f"shift: {facility_id} works no {change.shift!r} shift on {change.day:%a %Y-%m-%d}; "
            f"shifts that day: {sorted(shifts) or 'none'}"
        )
    if change.process not in PROCESSES:
        raise RosterError(f"process: must be one of {list(PROCESSES)}, not {change.process!r}")
    if isinstance(change.headcount, bool) or not isinstance(change.headcount, int):
        raise RosterError(f"headcount: must be a whole number of people, not {change.headcount!r}")
    if not 0 <= change.headcount <= MAX_HEADCOUNT:
        raise RosterError(f"headcount: must be from 0 to {MAX_HEADCOUNT}, not {change.headcount}")


def save_roster(
    conn: Connection, actor: SignedInUser, facility_id: str, changes: Iterable[RosterChange]
) -> list[AppliedChange]:
    """Store `changes` (all or none: every one is checked first) and audit each one that changes a value.
    Returns the changes applied with the headcount they replaced (None: nobody was rostered)."""
    if actor.role not in EDITOR_ROLES:
        raise RosterNotPermitted(
            f"{actor.username} ({actor.role}) may not change the roster: {sorted(EDITOR_ROLES)} may"
        )
    changes = list(changes)
    for change in changes:
        check_change(facility_id, change)
    applied = []
    for change in changes:
        key = {
            "facility_id": facility_id,
            "day": change.day,
            "shift": change.shift,
            "process": change.process,
        }
        before = conn.execute(
            text(
                "SELECT headcount FROM labor_roster WHERE facility_id = :facility_id AND day = :day "
                "AND shift = :shift AND process = :process FOR UPDATE"
            ),
            key,
        ).scalar_one_or_none()
        if before == change.headcount:
            continue
        values = {**key, "headcount": change.headcount, "updated_by": actor.username}
        conn.execute(
            upsert(LaborRoster)
            .values(**values)
            .on_conflict_do_update(
                index_elements=["facility_id", "day", "shift", "process"],
                set_={
                    "headcount": change.headcount,
                    "updated_by": actor.username,
                    "updated_at": text("now()"),
                },
            )
        )
        audit_admin_action(
            conn,
            actor,
            action="roster_edit",
            entity_type="labor_roster",
            entity_id=f"{facility_id}/{change.day.isoformat()}/{change.shift}/{change.process}",
            before=None if before is None else {"headcount": before},
            after={"headcount": change.headcount},
        )
        applied.append(AppliedChange(change, before))
    return applied
