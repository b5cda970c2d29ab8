"""The customer's "confirm your address" link through a real server: the page, the button, the hold released."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine, text

from api.app import create_app
from api.tracking_tokens import issue as issue_tracking_token
from pipeline.actions import Actor, perform
from pipeline.exceptions import address_tokens
from pipeline.exceptions.detector import detect_exceptions
from tests.api.live_server import live_server
from tests.api.test_tracking import SECRET, api_settings
from tests.pipeline.exceptions.streams import carrier_event, exceptions_of, load, order_until

ORDER = "SO-61000001"
PLACED = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)


@pytest.fixture(scope="module")
def asked(api_database_url: str, api_engine: Engine) -> dict:
    """An address problem, its exception, and the automation's request to the customer (order on hold)."""
    issue = carrier_event("ADDRESS_ISSUE", ORDER, PLACED + timedelta(hours=13), reason="incomplete_address")
    load(api_engine, [*order_until(ORDER, PLACED, "DEPARTED_HUB", phone=None), issue])
    detect_exceptions(api_engine, now=PLACED + timedelta(hours=14))
    exception = next(row for row in exceptions_of(api_engine, ORDER) if row["root_cause"] == "address_issue")
    with api_engine.begin() as conn:
        perform(
            conn,
            Actor.automation("address_issue"),
            "request_address_confirmation",
            exception["exception_id"],
            now=datetime.now(UTC),
            settings=api_settings(),
        )
        body = conn.execute(
            text(
                "SELECT body FROM notification WHERE order_id = :o AND message_type = 'address_confirmation'"
            ),
            {"o": ORDER},
        ).scalar_one()
    link = re.search(r"https://track\.example(/v1/address-confirmations/\S+)", body)
    assert link is not None
    return {"path": link.group(1), "exception_id": exception["exception_id"]}


@pytest.fixture(scope="module")
def api_url(api_database_url: str) -> Iterator[str]:
    with live_server(create_app(api_database_url, webhook_secret=None, settings=api_settings())) as url:
        yield url


def _order_state(engine: Engine) -> tuple[bool, str]:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT o.on_hold, x.state FROM order_state o JOIN order_exception x USING (order_id)"
                " WHERE o.order_id = :o AND x.root_cause = 'address_issue'"
            ),
            {"o": ORDER},
        ).one()


def test_the_link_shows_the_masked_address_and_a_confirm_button(api_url: str, asked: dict) -> None:
    page = httpx.get(f"{api_url}{asked['path']}", timeout=10)

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert ORDER in page.text and "postal code 606**, US" in page.text
    assert '<form method="post">' in page.text and "Confirm my address" in page.text
    assert "ann.lee" not in page.text and "60614" not in page.text


def test_confirming_releases_the_hold_once_and_says_so_again_later(
    api_url: str, asked: dict, api_engine: Engine
) -> None:
    assert _order_state(api_engine) == (True, "automating")

    first = httpx.post(f"{api_url}{asked['path']}", timeout=20)
    again = httpx.post(f"{api_url}{asked['path']}", timeout=20)
    page = httpx.get(f"{api_url}{asked['path']}", timeout=10)

    assert first.status_code == 200 and "Your address is confirmed" in first.text
    assert again.status_code == 200 and "already confirmed" in again.text
    assert page.status_code == 200 and "already confirmed" in page.text
    assert _order_state(api_engine) == (False, "resolved")
    with api_engine.connect() as conn:
        trail = conn.execute(
            text("SELECT actor, action FROM audit_log WHERE entity_type = 'exception' ORDER BY audit_id")
        ).all()
        released = conn.execute(
            text("SELECT count(*) FROM event WHERE order_id = :o AND event_type = 'ORDER_HOLD_RELEASED'"),
            {"o": ORDER},
        ).scalar_one()
    assert trail[-1] == ("automation:address_confirmation", "release_address_hold")
    assert released == 1


def test_forged_and_expired_links_are_refused_with_a_page_that_says_what_to_do(
    api_url: str, asked: dict
) -> None:
    now = datetime.now(UTC)
    expired, _ = address_tokens.issue(
        asked["exception_id"], ORDER, now - timedelta(days=5), timedelta(days=1), SECRET.encode()
    )
    forged, _ = address_tokens.issue(asked["exception_id"], ORDER, now, timedelta(days=1), b"someone-else")
    wrong_order, _ = address_tokens.issue(
        asked["exception_id"], "SO-69999999", now, timedelta(days=1), SECRET.encode()
    )
    tracking, _ = issue_tracking_token(ORDER, now, timedelta(days=1), SECRET.encode())
    base = f"{api_url}/v1/address-confirmations"

    for method in ("GET", "POST"):
        gone = httpx.request(method, f"{base}/{expired}", timeout=10)
        assert gone.status_code == 410 and "expired" in gone.text
        for token in (forged, wrong_order, tracking, "not-a-token"):
            refused = httpx.request(method, f"{base}/{token}", timeout=10)
            assert refused.status_code == 404 and "not valid" in refused.text
