"""Live mode: the seeded world keeps running. First a bulk catch-up from the stored clock to wall-clock now,
then every tick the simulated clock advances by `speed` x the real time elapsed: hours are generated as the
clock enters them, due rows move from `sim.pending` into the source tables, activity is counted, carrier
webhooks and SMS delivery receipts are delivered (when a target URL is set), and the source systems' HTTP
APIs and the customers' mail server are served."""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import structlog
import uvicorn

from db.engine import make_engine
from pipeline.settings import Settings, get_settings
from simulator.databases import sim_database_url
from simulator.engine import WORKERS, WorldNotSeeded, advance, commit_all, source_connections, world_state
from simulator.generation import DEFAULT_SYSTEMS
from simulator.http_api import create_app
from simulator.messaging.mail_server import start_mail_server
from simulator.messaging.receipts import ReceiptSender
from simulator.messaging.store import ensure_messaging_tables
from simulator.sim_schema import WorldState
from simulator.webhooks import deliver_due

log = structlog.get_logger(__name__)


@dataclass
class LiveClock:
    """Simulated time that runs `speed` times as fast as the wall clock from a starting point."""

    simulated: datetime
    speed: float
    wall: float

    def now(self, wall: float) -> datetime:
        return self.simulated + timedelta(seconds=(wall - self.wall) * self.speed)


def load_state(main_database_url: str) -> WorldState:
    state = world_state(main_database_url)
    if state is None:
        raise WorldNotSeeded("no simulated world here: run `waypoint simulate seed` first")
    return state


def step(
    main_database_url: str,
    until: datetime,
    *,
    systems: str = DEFAULT_SYSTEMS,
    workers: int = 1,
    progress: bool = False,
) -> WorldState:
    """Advance the stored world to `until` (no-op when the clock is already there) and commit."""
    state = load_state(main_database_url)
    if until <= state.clock:
        return state
    with source_connections(main_database_url) as connections:
        advance(connections, state, until, systems=systems, progress=progress, workers=workers)
        commit_all(connections)
    return load_state(main_database_url)


def run_live(
    main_database_url: str,
    *,
    speed: float,
    stop_event: threading.Event,
    tick_seconds: float = 1.0,
    systems: str = DEFAULT_SYSTEMS,
    serve_http: bool = True,
    settings: Settings | None = None,
) -> WorldState:
    """Run until `stop_event` is set (or SIGTERM). Returns the world's final state."""
    settings = settings or get_settings()
    _stop_on_sigterm(stop_event)
    state = step(main_database_url, datetime.now(UTC), systems=systems, workers=WORKERS, progress=True)
    log.info("simulator.caught_up", clock=state.clock.isoformat())
    messaging = make_engine(
        sim_database_url(main_database_url), pool_size=2, application_name="waypoint-sim-messaging"
    )
    with messaging.begin() as conn:
        ensure_messaging_tables(conn)
    server, thread = _serve(main_database_url, settings.sim_port) if serve_http else (None, None)
    mail = start_mail_server(messaging, settings.sim_smtp_port) if serve_http else None
    secret = settings.sms_webhook_secret.get_secret_value() if settings.sms_webhook_secret else None
    receipts = ReceiptSender(messaging, settings.sim_webhook_url, secret)
    clock = LiveClock(simulated=state.clock, speed=speed, wall=time.monotonic())
    webhooks = _WebhookSender(main_database_url, settings.sim_webhook_url)
    try:
        while not stop_event.wait(tick_seconds):
            state = step(main_database_url, clock.now(time.monotonic()), systems=systems)
            webhooks.deliver(state.clock)
            receipts.report(datetime.now(UTC))  # Waypoint's messages go out on the wall clock
    finally:
        webhooks.close()
        receipts.close()
        if mail is not None:
            mail.stop()
        if server is not None:
            server.should_exit = True
            thread.join(timeout=10)
        messaging.dispose()
    log.info("simulator.stopped", clock=state.clock.isoformat())
    return state


class _WebhookSender:
    """Posts the carrier webhooks that came due (S2's simulator.webhooks), when a target URL is configured."""

    def __init__(self, main_database_url: str, target: str | None) -> None:
        self.target = target
        self.engine = make_engine(sim_database_url(main_database_url), pool_size=1) if target else None
        self.client = httpx.Client(timeout=5.0) if target else None

    def deliver(self, now: datetime) -> int:
        if self.engine is None:
            return 0
        with self.engine.begin() as conn:
            return deliver_due(conn, now, self.target, self.client)

    def close(self) -> None:
        if self.engine is not None:
            self.client.close()
            self.engine.dispose()


def _serve(main_database_url: str, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    server = uvicorn.Server(
        uvicorn.Config(create_app(main_database_url), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="simulator-http", daemon=True)
    thread.start()
    return server, thread


def _stop_on_sigterm(stop_event: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop_event.set())
