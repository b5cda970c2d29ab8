"""Page loads: every dashboard page's data load and order search, on the seeded 60 days.

Goal (issue #5 §8): each page's data load p95 <= 300 ms; order search p95 <= 50 ms.

The world: the seeded 60 days at 120,000 orders a month (WAYPOINT_BENCH_DAYS,
WAYPOINT_BENCH_ORDERS_PER_MONTH) built into a scratch database through the real load path
(benchmarks/simulated_history.py), then the worker's upkeep run as `make run` would before anyone opens a
page: the exception detector until it has read every event, one playbook pass, the KPI rollups, and the
flow snapshots of the last growth window. The Source activity page reads the simulator's own counters,
whose per-minute table keeps 24 hours whatever the history, so one seeded day of the simulated sources
gives it its full size. The Admin page gets the demo users and a kiosk link per facility.

Each load is timed as the page calls it, through the plain function under the page's Streamlit cache
(the caches are bypassed, so every repetition is a real read); in-process caches of configuration
(thresholds, rules, master data, targets) stay warm, as in a running app. One warm-up call, then
WAYPOINT_BENCH_REPEATS (default 60) calls per page, facility and search kind, each on the next facility
or on another of the sampled orders.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

from benchmarks.scratch import scratch_database
from benchmarks.simulated_history import load_simulated_history
from dashboard.auth import SignedInUser, seed_demo_users
from dashboard.database import engine_for
from dashboard.flow_snapshots import snapshot_flow
from dashboard.flow_thresholds import flow_thresholds
from dashboard.kiosk import issue_kiosk_link
from dashboard.order_search import search_orders
from dashboard.queries import source_activity
from dashboard.queries.admin import load_admin
from dashboard.queries.exception_queue import QueueFilters, count_new_since, load_exception_queue
from dashboard.queries.kpi_trends import load_kpi_history, load_kpi_trends
from dashboard.queries.live_flow import load_live_flow
from dashboard.queries.order_timeline import load_order_timeline
from dashboard.source_health import thresholds as source_health_thresholds
from db.engine import make_engine
from db.master_data import facilities
from pipeline.exceptions.detector import detect_exceptions
from pipeline.kpis.rollups import refresh_kpi_rollups
from pipeline.playbooks.runner import run_playbooks
from simulator.databases import sim_database_url
from simulator.engine import seed

PAGE_GOAL_MS = 300.0
SEARCH_GOAL_MS = 50.0
KPI_RANGE_DAYS = 90
SOURCE_ACTIVITY_DAYS = 1  # the simulator keeps 24 h of per-minute counters (simulator/writer.py)
SEED = 7
MAX_DETECTOR_RUNS = 50
WORLD_SIZE = """
SELECT (SELECT count(*) FROM order_state WHERE NOT is_terminal),
       (SELECT count(*) FROM order_exception WHERE state <> 'resolved')
"""
SAMPLED_ORDERS = """
SELECT o.order_id, o.customer_email, o.customer_phone, s.tracking_number
FROM customer_order AS o
JOIN LATERAL (SELECT tracking_number FROM shipment WHERE order_id = o.order_id
              AND tracking_number IS NOT NULL LIMIT 1) AS s ON true
WHERE o.customer_email IS NOT NULL AND o.customer_phone IS NOT NULL
ORDER BY md5(o.order_id)
LIMIT :orders
"""


@dataclass(frozen=True)
class Timing:
    label: str
    samples_ms: list[float]
    goal_ms: float

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile of the samples."""
        ordered = sorted(self.samples_ms)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]

    def line(self) -> str:
        p95 = self.percentile(0.95)
        verdict = "PASS" if p95 <= self.goal_ms else "FAIL"
        return (
            f"  {self.label:<40} n={len(self.samples_ms):<4} p50 {self.percentile(0.5):7.1f} ms  "
            f"p95 {p95:7.1f} ms  max {max(self.samples_ms):7.1f} ms  goal p95 <= {self.goal_ms:.0f} ms  {verdict}"
        )


def time_calls(label: str, calls: Sequence[Callable[[], Any]], goal_ms: float, repeats: int) -> Timing:
    """One warm-up call, then `repeats` calls cycling through `calls` (a facility or an order each)."""
    calls[0]()
    samples = []
    for n in range(repeats):
        call = calls[(n + 1) % len(calls)]
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return Timing(label, samples, goal_ms)


def prepare_world(url: str, engine: Engine, *, days: float, orders_per_month: int) -> datetime:
    """History, then the worker's upkeep, the simulated sources' counters and the admin's lists."""
    now = datetime.now(UTC)
    started = time.monotonic()
    report = load_simulated_history(engine, days=days, orders_per_month=orders_per_month, seed=SEED, now=now,
                                    progress=False)  # fmt: skip
    print(
        f"  history: {report.orders:,} orders, {report.events_loaded:,} events loaded in {report.seconds:.0f} s"
    )
    upkeep = time.monotonic()
    runs, events = detect_until_caught_up(engine, now)
    playbooks = run_playbooks(engine, now=now)
    rollups = refresh_kpi_rollups(engine)
    window = flow_thresholds().growth_window_minutes + 5
    for minutes_ago in range(window, -1, -1):
        snapshot_flow(engine, now - timedelta(minutes=minutes_ago))
    print(f"  upkeep: detector read {events:,} events in {runs} runs, playbooks acted {playbooks.acted}, "
          f"KPI rollups {rollups.rows:,} rows, {window + 1} flow snapshots; {time.monotonic() - upkeep:.0f} s")  # fmt: skip
    seed(
        url, days=SOURCE_ACTIVITY_DAYS, orders_per_month=orders_per_month, seed=SEED, now=now, progress=False
    )
    with engine.begin() as conn:
        seed_demo_users(conn, "bench-demo-password")
    admin = admin_user(engine)
    with engine.begin() as conn:
        for item in facilities():
            issue_kiosk_link(conn, admin, item.facility_id, f"{item.facility_id} floor TV")
    with engine.connect() as conn:
        open_orders, unresolved = conn.execute(text(WORLD_SIZE)).one()
    print(f"  world ready in {time.monotonic() - started:.0f} s: {open_orders:,} open orders, "
          f"{unresolved:,} unresolved exceptions")  # fmt: skip
    return now


def detect_until_caught_up(engine: Engine, now: datetime) -> tuple[int, int]:
    """Run the detector until a run finds no new event, as the worker's 30 s job would over a backlog."""
    events = 0
    for runs in range(1, MAX_DETECTOR_RUNS + 1):
        read = detect_exceptions(engine, now=now).events_read
        events += read
        if not read:
            return runs, events
    raise RuntimeError(f"the detector still read new events after {MAX_DETECTOR_RUNS} runs")


def admin_user(engine: Engine) -> SignedInUser:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT user_id, username, display_name, role, facility_id FROM app_user WHERE role = 'admin'"
            )
        ).first()
    if row is None:
        raise RuntimeError("no admin in app_user: seed_demo_users did not run")
    return SignedInUser(row.user_id, row.username, row.display_name, row.role, row.facility_id, "password")


def sampled_orders(engine: Engine, count: int) -> list[dict[str, Any]]:
    """`count` orders in a fixed pseudo-random order, each with an email, a phone and a tracking number."""
    with engine.connect() as conn:
        rows = [dict(row) for row in conn.execute(text(SAMPLED_ORDERS), {"orders": count}).mappings()]
    if not rows:
        raise RuntimeError("the seeded history holds no order with a customer and a tracking number")
    return rows


def typed_queries(order: dict[str, Any]) -> dict[str, str]:
    """What a support agent types for one order: the shapes customers read out, not the stored keys."""
    tracking = order["tracking_number"]
    return {
        "order id": order["order_id"].lower(),
        "tracking number": " ".join(tracking[i : i + 4] for i in range(0, len(tracking), 4)),
        "email": f" {order['customer_email'].title()} ",
        "phone": order["customer_phone"],
    }


def page_timings(url: str, engine: Engine, repeats: int) -> list[Timing]:
    orders = sampled_orders(engine, repeats + 1)
    history = load_kpi_history(engine)
    if history is None:
        raise RuntimeError("the KPI rollups are empty after their refresh")
    last_day = history.last_day
    admin = admin_user(engine)
    chart_minutes = source_health_thresholds().chart_minutes
    read_activity = source_activity._read.__wrapped__  # the function under the page's st.cache_data
    stores = [item.facility_id for item in facilities() if item.kind == "store"]

    if load_order_timeline(engine, orders[0]["order_id"]) is None:
        raise RuntimeError(f"no timeline for the sampled order {orders[0]['order_id']}")
    if read_activity(url, datetime.now(UTC), chart_minutes) is None:
        raise RuntimeError("the source activity page sees no seeded simulator")
    if load_exception_queue(engine, QueueFilters()).rows.is_empty():
        raise RuntimeError("the exception queue is empty after the detector ran: nothing to time")

    def kpi_page() -> None:
        load_kpi_history(engine)
        load_kpi_trends(engine, first_day=last_day - timedelta(days=KPI_RANGE_DAYS - 1), last_day=last_day)

    def queue_page() -> None:
        load_exception_queue(engine, QueueFilters())
        count_new_since(engine, datetime.now(UTC) - timedelta(minutes=15), QueueFilters())

    def live(facility_id: str) -> Callable[[], Any]:
        return lambda: load_live_flow(engine, facility_id, datetime.now(UTC))

    timings = [
        time_calls(f"live flow {dc}", [live(dc)], PAGE_GOAL_MS, repeats)
        for dc in (item.facility_id for item in facilities() if item.kind == "dc")
    ]
    timings += [
        time_calls(
            f"live flow stores ({len(stores)}, in turn)", [live(s) for s in stores], PAGE_GOAL_MS, repeats
        ),
        time_calls("exception queue (default view)", [queue_page], PAGE_GOAL_MS, repeats),
        time_calls(f"KPI trends ({KPI_RANGE_DAYS} days, all)", [kpi_page], PAGE_GOAL_MS, repeats),
        time_calls(
            "order timeline (random orders)",
            [lambda o=o: load_order_timeline(engine, o["order_id"]) for o in orders],
            PAGE_GOAL_MS,
            repeats,
        ),
        time_calls(
            f"source activity ({chart_minutes} min chart)",
            [lambda: read_activity(url, datetime.now(UTC), chart_minutes)],
            PAGE_GOAL_MS,
            repeats,
        ),
        time_calls("admin (users, kiosk links)", [lambda: load_admin(engine, admin)], PAGE_GOAL_MS, repeats),
    ]
    for kind in ("order id", "tracking number", "email", "phone"):
        queries = [typed_queries(o)[kind] for o in orders]
        hits = [search_orders(engine, q) for q in queries[:5]]
        if not all(hits):
            raise RuntimeError(f"order search by {kind} found nothing for a sampled order: {queries[:5]}")
        calls = [lambda q=q: search_orders(engine, q) for q in queries]
        timings.append(time_calls(f"order search by {kind}", calls, SEARCH_GOAL_MS, repeats))
    return timings


def dispose_app_pools(url: str) -> None:
    """Close the pool the Source activity reads opened (dashboard.database.engine_for), before the drop."""
    engine_for(sim_database_url(url)).dispose()
    engine_for.clear()


def main() -> None:
    days = float(os.environ.get("WAYPOINT_BENCH_DAYS", "60"))
    orders_per_month = int(os.environ.get("WAYPOINT_BENCH_ORDERS_PER_MONTH", "120000"))
    repeats = int(os.environ.get("WAYPOINT_BENCH_REPEATS", "60"))
    print(f"page loads: {days:g} days at {orders_per_month:,} orders/month, {repeats} timed calls each after a "
          f"warm-up, Streamlit caches bypassed (goals: page p95 <= {PAGE_GOAL_MS:.0f} ms, "
          f"search p95 <= {SEARCH_GOAL_MS:.0f} ms)", flush=True)  # fmt: skip
    with scratch_database() as url:
        engine = make_engine(url, pool_size=4, application_name="waypoint-app")
        try:
            prepare_world(url, engine, days=days, orders_per_month=orders_per_month)
            before = os.getloadavg()[0]
            timings = page_timings(url, engine, repeats)
            after = os.getloadavg()[0]
        finally:
            engine.dispose()
            dispose_app_pools(url)
    for timing in timings:
        print(timing.line())
    failed = [t.label for t in timings if t.percentile(0.95) > t.goal_ms]
    print(f"  load average (1 min) {before:.1f} before timing, {after:.1f} after, on {os.cpu_count()} cores")
    print(f"  {'all within their goals' if not failed else 'over goal: ' + ', '.join(failed)}")


if __name__ == "__main__":
    main()
