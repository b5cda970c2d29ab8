"""`waypoint run`: everything a developer or a demo needs, started and stopped together:
PostgreSQL, the simulated source systems, the pipeline worker, the API (webhooks, /metrics) and the app."""

from __future__ import annotations

import os
import secrets
import sys
import time
from pathlib import Path

import click

from db.engine import make_engine
from db.server import database_url
from pipeline.bootstrap import prepare_database
from pipeline.settings import PROJECT_ROOT, Settings, get_settings
from pipeline.supervisor import Child, Supervisor, install_signal_handlers, wait_until_healthy


@click.command()
@click.option(
    "--no-simulator", is_flag=True, help="Do not start the live simulator (sources stay as they are)."
)
def run(no_simulator: bool) -> None:
    """Start PostgreSQL (embedded unless DATABASE_URL is set), migrate, seed the simulated sources on the
    first run, then the live simulator and the Streamlit app. Ctrl-C stops all of it."""
    settings = get_settings()
    started = time.monotonic()
    with database_url(settings) as url:
        _step("Database schema and reference data")
        prepare_database(url)
        _seed_if_first_run(url, settings)
        sign_ins = _demo_sign_ins(url, settings)
        _serve(url, settings, sign_ins, started, no_simulator=no_simulator)
    click.echo("Stopped. PostgreSQL and every process Waypoint started are down.")


def _seed_if_first_run(url: str, settings: Settings) -> None:
    from simulator.engine import is_seeded, seed

    if is_seeded(url):
        _step("Simulated sources already seeded (no reseed)")
        return
    _step(
        f"Seeding the simulated source systems: {settings.sim_days} days at "
        f"{settings.sim_orders_per_month:,} orders/month (first run only)"
    )
    seed(
        url,
        days=settings.sim_days,
        orders_per_month=settings.sim_orders_per_month,
        seed=settings.sim_seed,
        progress=True,
    )


def _demo_sign_ins(url: str, settings: Settings) -> list:
    from dashboard.auth import demo_password, seed_demo_users

    engine = make_engine(url, pool_size=1)
    try:
        with engine.begin() as conn:
            return seed_demo_users(conn, demo_password(settings))
    finally:
        engine.dispose()


def _serve(url: str, settings: Settings, sign_ins: list, started: float, *, no_simulator: bool) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PYTHONUNBUFFERED": "1",
        "WAYPOINT_WEBHOOK_SIGNING_SECRET": settings.webhook_signing_secret
        or _kept_secret(settings, "webhook_secret"),
        "WAYPOINT_SIM_WEBHOOK_URL": settings.sim_webhook_url or f"http://localhost:{settings.api_port}",
    }
    if not no_simulator:
        env |= _simulated_messaging(settings)
    waypoint = str(Path(sys.executable).parent / "waypoint")
    supervisor = Supervisor()
    install_signal_handlers(supervisor.request_stop)
    try:
        waiting = []
        if not no_simulator:
            simulator = supervisor.start(
                Child("simulator", [waypoint, "simulate", "live", "--speed", str(settings.sim_speed)], env)
            )
            waiting.append((f"http://localhost:{settings.sim_port}/_sim/health", simulator))
        api = supervisor.start(Child("api", [waypoint, "api"], env))
        supervisor.start(Child("worker", [waypoint, "pipeline", "run"], env))
        app = supervisor.start(Child("app", _streamlit_argv(Path(sys.executable).parent, settings), env))
        waiting += [(f"http://localhost:{settings.api_port}/healthz", api),
                    (f"http://localhost:{settings.app_port}/_stcore/health", app)]  # fmt: skip
        _step("Waiting for the simulator, the API and the app to answer")
        for health_url, child in waiting:
            if not wait_until_healthy(health_url, child):
                raise click.ClickException(f"'{child.name}' did not start; see its output above.")
        _banner(settings, sign_ins, time.monotonic() - started)
        if not no_simulator and not (settings.smtp_host and settings.sms_provider_url):
            click.echo(
                "Customer emails and texts go to the simulated customers' mail server and SMS provider."
            )
        died = supervisor.wait()
        if died:
            click.echo(f"'{died}' stopped unexpectedly; stopping everything else.", err=True)
    finally:
        click.echo("Stopping…")
        supervisor.stop_all()


def _simulated_messaging(settings: Settings) -> dict[str, str]:
    """Customer emails and texts go to the simulator's mail server and SMS provider, unless a real SMTP
    server or SMS provider is configured: then those are used, and the simulator's stay idle."""
    env: dict[str, str] = {}
    if not settings.smtp_host:
        env |= {"WAYPOINT_SMTP_HOST": "127.0.0.1", "WAYPOINT_SMTP_PORT": str(settings.sim_smtp_port),
                "WAYPOINT_SMTP_TLS": "none"}  # fmt: skip
    if not settings.sms_provider_url:
        env |= {
            "WAYPOINT_SMS_PROVIDER_URL": f"http://localhost:{settings.sim_port}/sms",
            "WAYPOINT_SMS_API_KEY": _kept_secret(settings, "sms_api_key"),
            "WAYPOINT_SMS_WEBHOOK_SECRET": _kept_secret(settings, "sms_webhook_secret"),
        }
    return env


def _kept_secret(settings: Settings, name: str) -> str:
    """A secret generated once and kept beside the data (mode 0600), for the parts `waypoint run` wires up."""
    path = settings.data_dir / name
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


def _streamlit_argv(bin_dir: Path, settings: Settings) -> list[str]:
    return [
        str(bin_dir / "streamlit"),
        "run",
        str(PROJECT_ROOT / "dashboard" / "app.py"),
        "--server.port",
        str(settings.app_port),
        "--server.headless",
        "true",
    ]


def _step(text: str) -> None:
    click.secho(f"▸ {text}", fg="cyan")


def _banner(settings: Settings, sign_ins: list, seconds: float) -> None:
    click.echo("")
    click.secho(
        f"Waypoint is ready in {seconds:.0f}s: http://localhost:{settings.app_port}", fg="green", bold=True
    )
    click.echo(
        "Demo sign-ins (password kept in .data/demo_sign_ins.txt unless WAYPOINT_DEMO_PASSWORD is set):"
    )
    for sign_in in sign_ins:
        password = sign_in.password or "(changed by its owner; not shown)"
        click.echo(f"  {sign_in.role:<14} {sign_in.username:<14} {password}")
    click.echo("Press Ctrl-C to stop everything.")
