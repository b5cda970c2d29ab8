"""The support view of an order: HTTP Basic against app_user, the Order timeline page's roles."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine, insert, text

from api.app import create_app
from dashboard.auth import hash_password
from db.models.access import AppUser
from tests.api.live_server import live_server
from tests.api.test_tracking import TRACKED, api_settings, seed_orders

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def api_url(api_database_url: str, api_engine: Engine) -> Iterator[str]:
    seed_orders(api_engine)
    with api_engine.begin() as conn:
        for username, role in (("sam", "support_agent"), ("mia", "manager"), ("flo", "floor_lead")):
            conn.execute(
                insert(AppUser).values(
                    username=username, display_name=username, password_hash=hash_password(PASSWORD), role=role
                )
            )
    with live_server(create_app(api_database_url, webhook_secret=None, settings=api_settings())) as url:
        yield url


def internal(url: str, auth: tuple[str, str] | None, order_id: str = TRACKED) -> httpx.Response:
    return httpx.get(f"{url}/v1/internal/orders/{order_id}", auth=auth, timeout=20)


def test_a_support_agent_sees_the_whole_order_with_contact_details(api_url: str, api_engine: Engine) -> None:
    response = internal(api_url, ("sam", PASSWORD))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["customer"]["email"] == "ann.lee@example.com" and body["role"] == "support_agent"
    assert any(event["internal_text"].startswith("Carrier reported a delay") for event in body["events"])
    assert any(row["root_cause"] == "carrier_delay" for row in body["exceptions"])
    assert body["etas"][0]["source"] == "lane_model"
    assert body["customer_view"]["status"]["text"] == "Delivery is delayed"
    with api_engine.connect() as conn:
        audited = conn.execute(
            text("SELECT count(*) FROM audit_log WHERE actor = 'sam' AND action = 'sign_in'")
        ).scalar_one()
    assert audited >= 1


def test_a_manager_may_look_but_sees_contact_details_masked(api_url: str) -> None:
    body = internal(api_url, ("mia", PASSWORD)).json()

    assert body["customer"]["email"] == "a***@e***.com" and body["customer"]["phone"] == "***-***-0101"
    assert "ann.lee" not in str(body["notifications"]) + str(body["events"])


def test_roles_without_the_order_timeline_and_bad_credentials_are_refused(api_url: str) -> None:
    floor_lead = internal(api_url, ("flo", PASSWORD))
    wrong = internal(api_url, ("sam", "wrong password"))
    unknown = internal(api_url, ("nobody", PASSWORD))
    anonymous = internal(api_url, None)

    assert floor_lead.status_code == 403 and "floor_lead" in floor_lead.json()["detail"]
    assert {wrong.status_code, unknown.status_code, anonymous.status_code} == {401}
    assert anonymous.headers["www-authenticate"].startswith("Basic")
    assert wrong.content == unknown.content


def test_an_unknown_order_is_404_for_support(api_url: str) -> None:
    assert internal(api_url, ("sam", PASSWORD), "SO-59999999").status_code == 404
