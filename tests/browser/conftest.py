"""A real browser against a real app: Chromium (Debian's package) driven by Playwright, and
`streamlit run dashboard/app.py` started as a subprocess against a throwaway database.

Skipped, with the reason, only when no Chromium binary is installed (`apt-get install -y chromium`).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from dashboard.auth import seed_demo_users
from db.engine import make_engine

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DEMO_PASSWORD = "browser-test-password"
STARTUP_SECONDS = 60
EXPECT_TIMEOUT_MS = 20_000


@dataclass(frozen=True)
class RunningApp:
    url: str
    database_url: str
    password: str


def chromium_path() -> str | None:
    found = os.environ.get("WAYPOINT_CHROMIUM") or next(
        (path for path in CHROMIUM_CANDIDATES if Path(path).exists()), None
    )
    return found or shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode} before answering {url}")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer {url} within {timeout:.0f} s")


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium binary found (install Debian's: apt-get install -y chromium)")
    from playwright.sync_api import expect, sync_playwright

    # A Streamlit rerun on a shared, loaded machine can take longer than Playwright's 5 s default: every
    # expectation waits up to this long (a failing one still fails, only later).
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def running_app(fresh_database_url: str, tmp_path: Path) -> Iterator[RunningApp]:
    """The app on a free port, signed-in users seeded, pointed at a database of its own."""
    engine = make_engine(fresh_database_url, pool_size=1)
    with engine.begin() as conn:
        seed_demo_users(conn, DEMO_PASSWORD)
    engine.dispose()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": fresh_database_url, "WAYPOINT_DATA_DIR": str(tmp_path)}
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "streamlit"),
            "run",
            str(ROOT / "dashboard" / "app.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/_stcore/health", process, STARTUP_SECONDS)
        yield RunningApp(
            url=f"http://127.0.0.1:{port}", database_url=fresh_database_url, password=DEMO_PASSWORD
        )
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
