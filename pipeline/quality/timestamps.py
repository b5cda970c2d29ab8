"""Invalid timestamps: pure rules over a batch of events about to be loaded (pipeline/quality/gate.py runs
them in the drain's transaction). Limits come from timestamps.json.

Rules, by the name findings and quarantine rows carry:
- `epoch`: before `earliest_valid` (a device that lost its clock): quarantined.
- `future`: later than the moment Waypoint received it, beyond `future_tolerance_minutes`.
- `before_order`: earlier than its order was placed, beyond `before_order_tolerance_minutes`.
- `sequence_ahead` / `sequence_behind` (sources with a sequence: the WMS change log, the store tool's
  cursor): later than the rows logged both before and after it, beyond `ahead_tolerance_minutes`; or older
  than both by more than a late upload can be (`late_upload_hours`; RF guns upload whole sessions late,
  which is why older alone is no contradiction).
- `dst_fold`: a wall time of the repeated autumn hour, which the adapter reads at its first occurrence
  (pipeline/facility_time.py), while the log had already passed that instant: it is the second occurrence,
  and is corrected to it when that reading fits the rows before it (within `fold_tolerance_minutes`).
- `nonexistent_local`: a wall time inside a spring-forward gap, which the adapter has already shifted by
  the documented rule (flag `dst_gap`): recorded, the time is left as the adapter read it.

`future`, `before_order` and the sequence rules are corrected from the sequence when that is safe: the
nearest accepted rows before and after it in the log, no more than `bracket_minutes` apart, bracket when
the work happened, and the event takes their midpoint. Otherwise — or for a source without a sequence —
the event is quarantined. The original time is kept either way (event_remedy, the raw inbox).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from pipeline.facility_time import DST_FOLD, DST_GAP
from pipeline.quality.rulebook import SequenceLimits, TimestampLimits

ORDER_RECEIVED = "ORDER_RECEIVED"
Action = Literal["corrected", "quarantined"]


class TimedEvent(NamedTuple):
    """What the time rules need of one event; `index` is its place in the batch. A named tuple: the gate
    builds one per event of every batch."""

    index: int
    source: str
    event_type: str
    order_id: str
    occurred_at: datetime
    received_at: datetime
    sequence: int | None = None
    flags: tuple[str, ...] = ()
    time_zone: str | None = None
    local_time: datetime | None = None


@dataclass(frozen=True)
class TimeVerdict:
    rule: str
    action: Action
    occurred_at: datetime  # the time the event is loaded with (unchanged when quarantined or noted)
    message: str


@dataclass(frozen=True)
class Judgement:
    verdicts: dict[int, TimeVerdict]
    # Per sequenced source: (highest sequence seen, the accepted times of its last rows) for the watermark.
    tails: dict[str, tuple[int, list[datetime]]]


def judge_times(
    events: Sequence[TimedEvent],
    placed: Mapping[str, datetime],
    before: Mapping[str, Sequence[datetime]],
    limits: TimestampLimits,
) -> Judgement:
    """A verdict for every event a rule fires on. `placed`: when each known order was placed; `before`: per
    sequenced source, the accepted times of the rows logged just before this batch's first one.

    Orders placed in this batch count only once their ORDER_RECEIVED has been judged: an order download
    with a wrong time must not make the order's other events look wrong."""
    first = _judge(events, placed, before, limits)
    placed_here: dict[str, datetime] = {}
    for event in events:
        verdict = first.verdicts.get(event.index)
        if event.event_type != ORDER_RECEIVED or (verdict and verdict.action == "quarantined"):
            continue
        at = verdict.occurred_at if verdict else event.occurred_at
        placed_here[event.order_id] = min(at, placed_here.get(event.order_id, at))
    newly_placed = {order: at for order, at in placed_here.items() if order not in placed}
    if not _placement_matters(events, newly_placed, first.verdicts, limits):
        return first  # the second reading would give the same verdicts
    return _judge(events, {**placed_here, **placed}, before, limits)


def _placement_matters(
    events: Sequence[TimedEvent],
    newly_placed: Mapping[str, datetime],
    verdicts: Mapping[int, TimeVerdict],
    limits: TimestampLimits,
) -> bool:
    """Could knowing when this batch's new orders were placed change a verdict? Only for an event of such
    an order that `before_order` would fire on, or one a rule already fired on (its correction is checked
    against the placement too); any other event is judged exactly as without it."""
    if not newly_placed:
        return False
    tolerance = limits.before_order_tolerance
    return any(
        event.index in verdicts
        or (
            event.event_type != ORDER_RECEIVED
            and event.occurred_at < newly_placed[event.order_id] - tolerance
        )
        for event in events
        if event.order_id in newly_placed
    )


def _judge(
    events: Sequence[TimedEvent],
    placed: Mapping[str, datetime],
    before: Mapping[str, Sequence[datetime]],
    limits: TimestampLimits,
) -> Judgement:
    verdicts: dict[int, TimeVerdict] = {}
    sequenced: dict[str, list[TimedEvent]] = defaultdict(list)
    covered: dict[str, bool] = {}
    bounds = (limits.earliest_valid, limits.future_tolerance, limits.before_order_tolerance)
    for event in events:
        point = point_rule(event, placed.get(event.order_id), *bounds)
        if point is not None:
            verdicts[event.index] = point
        source = event.source
        if source not in covered:
            covered[source] = limits.sequence.covers(source)
        if event.sequence is not None and covered[source]:
            sequenced[source].append(event)
        elif point is not None and point.rule != "nonexistent_local":
            verdicts[event.index] = _quarantined(point, "no sequence to correct it from")
    tails: dict[str, tuple[int, list[datetime]]] = {}
    for source, rows in sequenced.items():
        rows.sort(key=lambda row: (row.sequence, row.index))
        tail = _review_sequence(rows, list(before.get(source, ())), placed, verdicts, limits)
        tails[source] = (max(row.sequence for row in rows if row.sequence is not None), tail)
    return Judgement(verdicts, tails)


def point_rule(
    event: TimedEvent,
    placed_at: datetime | None,
    earliest_valid: datetime,
    future_tolerance: timedelta,
    before_order_tolerance: timedelta,
) -> TimeVerdict | None:
    """The rules that need only the event itself (and when its order was placed)."""
    at = event.occurred_at
    if at < earliest_valid:
        return TimeVerdict("epoch", "quarantined", at, f"{at.isoformat()} is the epoch or a zero date")
    if at > event.received_at + future_tolerance:
        ahead = at - event.received_at
        return TimeVerdict("future", "quarantined", at, f"{_span(ahead)} after it was received")
    if (
        placed_at is not None
        and event.event_type != ORDER_RECEIVED
        and at < placed_at - before_order_tolerance
    ):
        return TimeVerdict(
            "before_order", "quarantined", at, f"{_span(placed_at - at)} before the order was placed"
        )
    if DST_GAP in event.flags:
        return TimeVerdict(
            "nonexistent_local",
            "corrected",
            at,
            "a wall time inside a DST gap, read with the offset before the change (the documented rule)",
        )
    return None


def _review_sequence(
    rows: list[TimedEvent],
    accepted: list[datetime],
    placed: Mapping[str, datetime],
    verdicts: dict[int, TimeVerdict],
    limits: TimestampLimits,
) -> list[datetime]:
    """Walk one source's rows in sequence order, judging each against the accepted rows before it and the
    rows after it; returns the accepted times of the last rows."""
    rules = limits.sequence
    neighbours, earliest = rules.neighbours, limits.earliest_valid
    tolerances = (timedelta(minutes=rules.ahead_tolerance_minutes), timedelta(hours=rules.late_upload_hours))
    valid_times = [row.occurred_at if row.occurred_at >= earliest else None for row in rows]
    for position, row in enumerate(rows):
        point = verdicts.get(row.index)
        if point is not None and point.rule == "epoch":
            continue
        following = [at for at in valid_times[position + 1 : position + 1 + neighbours] if at is not None]
        previous = accepted[-neighbours:]
        problem = point if point is not None and point.rule != "nonexistent_local" else None
        problem = problem or _contradiction(row, previous, following, rules.min_neighbours, *tolerances)
        if problem is not None:
            verdict = _corrected(row, problem, previous, following, placed.get(row.order_id), limits)
            verdicts[row.index] = verdict
            if verdict.action == "corrected":
                accepted.append(verdict.occurred_at)
            continue
        fold = _second_occurrence(row, previous, rules, limits)
        if fold is not None:
            verdicts[row.index] = fold
        accepted.append(fold.occurred_at if fold else row.occurred_at)
    return accepted[-rules.neighbours :]


def _contradiction(
    row: TimedEvent,
    previous: list[datetime],
    following: list[datetime],
    min_neighbours: int,
    ahead: timedelta,
    late: timedelta,
) -> TimeVerdict | None:
    if len(previous) < min_neighbours or len(following) < min_neighbours:
        return None
    at = row.occurred_at
    # Neither rule can fire when the row sits within the tolerances of every row logged before it (the
    # median lies between their extremes): the common case, settled without sorting.
    if min(previous) + ahead >= at >= max(previous) - late:
        return None
    before, after = _median(previous), _median(following)
    if at > before + ahead and at > after + ahead:
        message = f"{_span(at - max(before, after))} later than the rows logged around it"
        return TimeVerdict("sequence_ahead", "quarantined", at, message)
    if at < before - late and at < after - late:
        message = f"{_span(min(before, after) - at)} older than the rows logged around it"
        return TimeVerdict("sequence_behind", "quarantined", at, message)
    return None


def _corrected(
    row: TimedEvent,
    problem: TimeVerdict,
    previous: list[datetime],
    following: list[datetime],
    placed_at: datetime | None,
    limits: TimestampLimits,
) -> TimeVerdict:
    """The midpoint of the nearest rows before and after, when they bracket it closely; else quarantined."""
    if not previous or not following:
        return _quarantined(problem, "no rows on both sides in the log to bracket it")
    low, high = previous[-1], following[0]
    if not timedelta(0) <= high - low <= timedelta(minutes=limits.sequence.bracket_minutes):
        return _quarantined(problem, "the rows around it in the log are too far apart to bracket it")
    midpoint = low + (high - low) / 2
    if midpoint > row.received_at + limits.future_tolerance or (
        placed_at is not None
        and row.event_type != ORDER_RECEIVED
        and midpoint < placed_at - limits.before_order_tolerance
    ):
        return _quarantined(problem, "the time its neighbours give is no better")
    return TimeVerdict(
        problem.rule,
        "corrected",
        midpoint,
        f"{problem.message}; set between the rows logged before and after it",
    )


def _second_occurrence(
    row: TimedEvent, previous: list[datetime], rules: SequenceLimits, limits: TimestampLimits
) -> TimeVerdict | None:
    if DST_FOLD not in row.flags or row.time_zone is None or row.local_time is None:
        return None
    if len(previous) < rules.min_neighbours:
        return None
    second = row.local_time.replace(tzinfo=ZoneInfo(row.time_zone), fold=1).astimezone(UTC)
    if second <= row.occurred_at:
        return None
    tolerance = timedelta(minutes=rules.fold_tolerance_minutes)
    logged_up_to = _median(previous)
    if not (row.occurred_at < logged_up_to - tolerance and second >= logged_up_to - tolerance):
        return None
    if second > row.received_at + limits.future_tolerance:
        return None
    return TimeVerdict(
        "dst_fold",
        "corrected",
        second,
        "a wall time of the repeated hour the log had already passed: its second occurrence",
    )


def _quarantined(problem: TimeVerdict, why: str) -> TimeVerdict:
    return TimeVerdict(problem.rule, "quarantined", problem.occurred_at, f"{problem.message}; {why}")


def _median(times: Sequence[datetime]) -> datetime:
    ordered = sorted(times)
    return ordered[(len(ordered) - 1) // 2]


def _span(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"
