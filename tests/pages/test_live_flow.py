"""The Live flow page through AppTest: every role may open it, it shows a facility's stages with the
bottlenecks marked, this hour against the plan and the orders at risk; kiosk links open it with no
sign-in for their facility only, and unknown, revoked or wrong-facility links are refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import make_url, select
from streamlit.testing.v1 import AppTest

from dashboard.auth import DEMO_USERS, SignedInUser, seed_demo_users
from dashboard.kiosk import IssuedKioskLink, issue_kiosk_link, revoke_kiosk_link
from dashboard.kiosk_screen import _SCREEN_KEY, KioskScreen
from dashboard.queries.live_flow import _cached
from db.engine import ensure_database, make_engine, sibling_database_url
from db.models.access import AppUser
from pipeline.settings import get_settings
from tests.conftest import _throwaway_name, drop_with_sources
from tests.dashboard.flow_orders import order_in_stage
from tests.pages.app_session import open_page as open_script

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboard" / "app.py"
STAGE_LABELS = [
    "Allocated",
    "Released",
    "Picking",
    "Picked",
    "Packed",
    "Labeled",
    "Staged",
    "Handed to carrier",
]


@pytest.fixture(scope="module")
def floor_database(template_url: str) -> Iterator[str]:
    """One database for this module, with the demo users and a busy Reno floor. Tests only add kiosk
    links, each their own, so they can share it."""
    url = sibling_database_url(template_url, _throwaway_name("flow"))
    ensure_database(url, template=make_url(template_url).database)
    engine = make_engine(url, pool_size=1)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        seed_demo_users(conn, "page-test-password")
        order_in_stage(
            conn, "SO-STUCK", "picking", now - timedelta(hours=3), ship_by=now - timedelta(minutes=20)
        )
        order_in_stage(
            conn, "SO-PICK", "picking", now - timedelta(minutes=4), ship_by=now + timedelta(hours=2)
        )
        order_in_stage(
            conn, "SO-PACKED", "labeled", now - timedelta(minutes=1), packed_at=now - timedelta(seconds=5)
        )
        order_in_stage(conn, "SO-COLUMBUS", "staged", now - timedelta(hours=1), facility_id="DC-CMH")
    engine.dispose()
    try:
        yield url
    finally:
        drop_with_sources(url)


@pytest.fixture
def app_database(floor_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app pointed at the module's database, with nothing cached from another test."""
    monkeypatch.setenv("DATABASE_URL", floor_database)
    get_settings.cache_clear()
    _cached.clear()
    yield floor_database
    get_settings.cache_clear()
    _cached.clear()


def demo_user(role: str) -> SignedInUser:
    demo = next(item for item in DEMO_USERS if item.role == role)
    return SignedInUser(1, demo.username, demo.display_name, demo.role, demo.facility_id, "password")


open_page = partial(open_script, "live_flow.py")


def open_kiosk(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def texts(elements) -> str:
    return " ".join(str(element.value) for element in elements)


def tile(at: AppTest, label: str):
    """The column of the stage row whose figure is labelled `label`."""
    return next(column for column in at.columns if [metric.label for metric in column.metric] == [label])


def navigation(at: AppTest) -> set[str]:
    return {info["page_name"] for info in at._registered_pages.values()}


def issue(database_url: str, facility_id: str = "DC-RNO") -> IssuedKioskLink:
    engine = make_engine(database_url, pool_size=1)
    with engine.begin() as conn:
        row = conn.execute(select(AppUser).where(AppUser.username == "admin")).one()
        admin = SignedInUser(row.user_id, "admin", row.display_name, "admin", None, "password")
        issued = issue_kiosk_link(conn, admin, facility_id, "Floor TV")
    engine.dispose()
    return issued


def revoke(database_url: str, kiosk_id: int) -> None:
    engine = make_engine(database_url, pool_size=1)
    with engine.begin() as conn:
        row = conn.execute(select(AppUser).where(AppUser.username == "admin")).one()
        revoke_kiosk_link(conn, SignedInUser(row.user_id, "admin", "", "admin", None, "password"), kiosk_id)
    engine.dispose()


@pytest.mark.parametrize("role", [demo.role for demo in DEMO_USERS])
def test_every_role_sees_the_stages_of_its_facility_first(app_database, role):
    at = open_page(demo_user(role))

    assert not at.exception
    assert [metric.label for metric in at.metric][:8] == STAGE_LABELS
    expected = demo_user(role).facility_id or "DC-RNO"
    assert at.selectbox[0].value == expected


def test_a_visitor_who_is_not_signed_in_is_asked_to_sign_in(app_database):
    at = open_page(None)

    assert "Sign in to open Live flow" in texts(at.error)
    assert not at.metric and not at.table


def test_the_board_shows_counts_bottlenecks_throughput_and_orders_at_risk(app_database):
    at = open_page(demo_user("supervisor"))

    picking = tile(at, "Picking")
    assert picking.metric[0].value == "2"
    assert "BOTTLENECK" in texts(picking.markdown)  # the oldest order has been picking for 3 hours
    assert "Oldest **3 h 0" in texts(picking.markdown) or "Oldest **2 h 59**" in texts(picking.markdown)
    assert "On track" in texts(tile(at, "Labeled").markdown)
    figures = {metric.label: metric.value for metric in at.metric}
    assert figures["Packed"] == "1" and figures["Shipped"] == "0"
    assert "At risk of missing ship-by · 2 orders, **1 late**" in texts(at.subheader)
    (at_risk,) = at.table
    assert at_risk.value["Order"].tolist() == ["SO-STUCK", "SO-PICK"]
    assert at_risk.value["Due"].tolist()[0].startswith("late ")
    assert "As of **" in texts(at.markdown) and ("PST" in texts(at.markdown) or "PDT" in texts(at.markdown))


def test_choosing_another_facility_shows_its_floor(app_database):
    at = open_page(demo_user("supervisor"))

    at.selectbox[0].select("DC-CMH").run()

    assert tile(at, "Staged").metric[0].value == "1"
    assert tile(at, "Picking").metric[0].value == "0"
    assert "EST" in texts(at.markdown) or "EDT" in texts(at.markdown)


def test_a_database_that_cannot_be_reached_gives_a_message_not_a_traceback(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")
    get_settings.cache_clear()
    try:
        at = open_page(demo_user("floor_lead"))
    finally:
        get_settings.cache_clear()

    assert not at.exception
    assert "cannot read its data just now" in texts(at.error)


def test_a_kiosk_link_opens_its_facility_live_flow_with_no_sign_in_and_nothing_else(app_database):
    issued = issue(app_database)

    at = open_kiosk({"kiosk": issued.token, "facility": "DC-RNO"})

    assert not at.exception
    assert navigation(at) == {"Live flow"}
    assert "Live flow · DC-RNO · Reno distribution center" in texts(at.header)
    assert [metric.label for metric in at.metric][:8] == STAGE_LABELS
    assert tile(at, "Picking").metric[0].value == "2"
    assert not at.selectbox and not at.text_input and not at.button  # read-only: nothing to click
    assert not at.sidebar.markdown and not at.sidebar.button


def test_a_kiosk_link_without_a_facility_shows_the_facility_it_was_issued_for(app_database):
    issued = issue(app_database, "DC-CMH")

    at = open_kiosk({"kiosk": issued.token})

    assert "Live flow · DC-CMH · Columbus distribution center" in texts(at.header)


@pytest.mark.parametrize(
    ("case", "refusal"),
    [
        ("unknown", "This kiosk link is not valid"),
        ("revoked", "This kiosk link was revoked on"),
        ("wrong_facility", "This kiosk link is for DC-RNO, not DC-CMH"),
    ],
)
def test_a_bad_kiosk_link_is_refused_in_words(app_database, case, refusal):
    issued = issue(app_database)
    token, facility_id = issued.token, "DC-RNO"
    if case == "unknown":
        token = "x" + token[1:]
    elif case == "revoked":
        revoke(app_database, issued.kiosk_id)
    else:
        facility_id = "DC-CMH"

    at = open_kiosk({"kiosk": token, "facility": facility_id})

    assert not at.exception
    assert navigation(at) == {"Kiosk link refused"}
    assert refusal in texts(at.error)
    assert not at.metric and not at.table and not at.text_input


def test_a_screen_whose_link_is_revoked_is_refused_at_its_next_refresh(app_database):
    issued = issue(app_database)
    screen = KioskScreen(issued.kiosk_id, "DC-RNO", issued.token)
    at = open_page(None, query={"kiosk": issued.token}, state={_SCREEN_KEY: screen})
    assert tile(at, "Picking").metric[0].value == "2"

    revoke(app_database, issued.kiosk_id)
    at.run()

    assert "This kiosk link was revoked on" in texts(at.error)
    assert not at.metric


def test_a_kiosk_session_does_not_carry_over_to_a_url_without_its_token(app_database):
    """The kiosk screen remembered in a session counts only while the URL still carries its token."""
    issued = issue(app_database)
    at = open_page(None, state={_SCREEN_KEY: KioskScreen(issued.kiosk_id, "DC-RNO", issued.token)})

    assert "Sign in to open Live flow" in texts(at.error)
    assert not at.metric


def test_a_kiosk_screen_that_cannot_reach_the_database_says_so_and_keeps_trying(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")
    get_settings.cache_clear()
    try:
        at = open_kiosk({"kiosk": "any-token", "facility": "DC-RNO"})
    finally:
        get_settings.cache_clear()

    assert not at.exception
    assert "cannot reach its database just now" in texts(at.error)
    assert "tries again by itself" in texts(at.error)
