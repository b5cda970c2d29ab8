"""The app shell through Streamlit's AppTest: the sign-in gate, each role's navigation, links to a page
through the sign-in, the refusal of a page a role may not use, signing out, and the sign-out of an
account an admin has deactivated. Sign-ins go through the real form against a real database."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import insert, select, update
from streamlit.testing.v1 import AppTest

from dashboard.auth import DEMO_USERS, SignedInUser, seed_demo_users
from dashboard.roles import PAGES_FILE, PageCatalog, built_pages, page, pages_for
from dashboard.session import ACCOUNT_CHECK_SECONDS, ACCOUNT_CHECKED_AT_KEY, SIGNED_IN_USER_KEY
from db.engine import make_engine
from db.models.access import AppUser, AuditLog
from pipeline.settings import get_settings
from tests.pages import order_timeline_orders as world

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboard" / "app.py"
SOURCE_ACTIVITY = ROOT / "pages" / "source_activity.py"
PASSWORD = "app-test-password"


@pytest.fixture
def app_database(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database of its own with the demo users, and the app pointed at it through DATABASE_URL."""
    engine = make_engine(fresh_database_url, pool_size=1)
    with engine.begin() as conn:
        seed_demo_users(conn, PASSWORD)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    get_settings.cache_clear()
    yield fresh_database_url
    get_settings.cache_clear()


@pytest.fixture
def menu(monkeypatch: pytest.MonkeyPatch) -> Callable[[], set[str]]:
    """Titles of the pages the last run listed in the navigation, hidden pages left out. AppTest keeps
    only the registered pages, hidden or not; this records what the app gave `st.navigation`."""
    given: list[list[st.Page]] = []
    navigation = st.navigation

    def recording(pages, **options):
        sections = [pages] if isinstance(pages, Sequence) else list(pages.values())
        given.append([item for section in sections for item in section])
        return navigation(pages, **options)

    monkeypatch.setattr(st, "navigation", recording)
    return lambda: {item.title for item in given[-1] if item.visibility == "visible"}


def open_app(path: str | None = None, **query: str) -> AppTest:
    """The app as a browser opens it; `path` is a page's URL path, as in a link to /order_timeline."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    if path is not None:
        at.switch_page(f"../pages/{path}.py")  # before the first run: the page whose URL path is `path`
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    """Fill the sign-in form and press its button, as a person would."""
    field = {text.label: text for text in at.text_input}
    field["Username"].input(username)
    field["Password"].input(password)
    next(button for button in at.button if button.label == "Sign in").click()
    return at.run()


def registered(at: AppTest) -> list[dict]:
    """Every page `st.navigation` registered in the last run, hidden ones too (AppTest keeps them privately)."""
    return list(at._registered_pages.values())


def texts(elements) -> str:
    return " ".join(str(element.value) for element in elements)


def test_visitor_sees_the_sign_in_form_and_nothing_else(app_database, menu):
    at = open_app()

    assert not at.exception
    assert [text.label for text in at.text_input] == ["Username", "Password"]
    assert menu() == {"Sign in"}
    assert not at.metric and not at.dataframe
    assert not at.sidebar.button  # no account box, no sign-out


def test_wrong_password_keeps_the_visitor_at_the_form(app_database, menu):
    at = sign_in(open_app(), "admin", "not-the-password")

    assert "Wrong username or password" in texts(at.error)
    assert menu() == {"Sign in"}


def test_empty_form_asks_for_both_fields(app_database):
    at = sign_in(open_app(), "admin", "")
    assert "Enter your username and your password" in texts(at.error)


@pytest.mark.parametrize("demo", DEMO_USERS, ids=lambda demo: demo.role)
def test_each_role_gets_exactly_the_built_pages_it_may_use(app_database, menu, demo):
    at = sign_in(open_app(), demo.username, PASSWORD)

    assert not at.exception
    assert pages_for(demo.role)  # every role has a built page today; the Welcome screen is tested below
    assert menu() == {page(key).title for key in pages_for(demo.role)}
    assert demo.display_name in texts(at.sidebar.markdown)
    assert demo.role.replace("_", " ") in texts(at.sidebar.markdown)


@pytest.mark.parametrize("demo", DEMO_USERS, ids=lambda demo: demo.role)
def test_every_built_page_path_answers_signed_in_or_not(app_database, demo):
    """No link to a page ends in Streamlit's "page not found": signed out, each path is a door to the
    sign-in form; signed in, the pages the role may not open are there, hidden, to refuse."""
    at = open_app()
    assert {info["url_pathname"] for info in registered(at)} == {"", *built_pages()}
    assert {info["page_name"] for info in registered(at)} == {"Sign in"}

    at = sign_in(at, demo.username, PASSWORD)
    assert {info["page_name"] for info in registered(at)} == {page(key).title for key in built_pages()}


def catalog_without_pages_for(role: str) -> PageCatalog:
    """Today's pages.json, with every page `role` may open back to planned (no script)."""
    raw = json.loads(PAGES_FILE.read_text())
    for definition in raw["pages"].values():
        if role in definition["roles"]:
            definition["script"] = None
    return PageCatalog.model_validate(raw)


def test_a_role_with_no_built_page_is_told_what_is_coming(app_database, menu, monkeypatch):
    monkeypatch.setattr("dashboard.roles.page_catalog", lambda: catalog_without_pages_for("support_agent"))
    at = sign_in(open_app(), "support_agent", PASSWORD)

    assert not at.exception
    assert menu() == {"Welcome"}
    assert "No page for the support agent role" in texts(at.info)
    assert "Live flow, Exception queue, Order timeline" in texts(at.info)
    assert not at.metric and not at.dataframe


def test_a_page_left_out_of_the_navigation_cannot_be_switched_to(app_database):
    at = sign_in(open_app(), "support_agent", PASSWORD)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("../pages/source_activity.py")


def test_a_link_opened_signed_out_asks_for_a_sign_in_then_opens_with_its_query(app_database, menu):
    engine = make_engine(app_database, pool_size=1)
    with engine.begin() as conn:
        world.land_orders(conn)
    engine.dispose()

    at = open_app("order_timeline", order=world.DELAYED)  # /order_timeline?order=SO-…
    assert not at.exception
    assert [text.label for text in at.text_input] == ["Username", "Password"]
    assert menu() == {"Sign in"}

    at = sign_in(at, "support_agent", PASSWORD)

    assert not at.exception
    assert [title.value for title in at.title] == ["Order timeline"]
    assert world.DELAYED in [header.value for header in at.header]
    assert at.query_params["order"] == world.DELAYED
    assert menu() == {page(key).title for key in pages_for("support_agent")}


def test_a_link_to_a_page_the_role_may_not_open_ends_in_its_refusal(app_database, menu):
    at = sign_in(open_app("source_activity"), "support_agent", PASSWORD)

    assert not at.exception
    assert "Source activity is not available to the support agent role" in texts(at.error)
    assert not at.metric and not at.dataframe and not at.title
    assert menu() == {page(key).title for key in pages_for("support_agent")}


def test_opening_the_page_script_with_a_role_that_may_not_use_it_renders_the_refusal_only(app_database):
    at = AppTest.from_file(str(SOURCE_ACTIVITY), default_timeout=60)
    at.session_state[SIGNED_IN_USER_KEY] = SignedInUser(
        user_id=5,
        username="support_agent",
        display_name="Demo support agent",
        role="support_agent",
        facility_id=None,
        method="password",
    )
    at.run()

    assert not at.exception
    assert "Source activity is not available to the support agent role" in texts(at.error)
    assert not at.metric and not at.dataframe and not at.title
    assert not at.get("plotly_chart")


def test_opening_the_page_script_without_signing_in_asks_for_a_sign_in(app_database):
    at = AppTest.from_file(str(SOURCE_ACTIVITY), default_timeout=60).run()

    assert "Sign in to open Source activity" in texts(at.error)
    assert not at.metric and not at.dataframe


def test_sign_in_and_sign_out_are_audited_and_sign_out_returns_to_the_form(app_database, menu):
    at = sign_in(open_app(), "manager", PASSWORD)
    assert menu() == {page(key).title for key in pages_for("manager")}

    next(button for button in at.sidebar.button if button.label == "Sign out").click()
    at.run()

    assert menu() == {"Sign in"}
    assert [text.label for text in at.text_input] == ["Username", "Password"]
    engine = make_engine(app_database, pool_size=1)
    with engine.connect() as conn:
        actions = conn.execute(
            select(AuditLog.action).where(AuditLog.actor == "manager").order_by(AuditLog.audit_id)
        ).scalars()
        assert list(actions) == ["sign_in", "sign_out"]
    engine.dispose()


def test_sso_button_is_offered_only_when_secrets_configure_it(app_database):
    plain = open_app()
    assert [button.label for button in plain.button] == ["Sign in"]

    with_sso = AppTest.from_file(str(APP), default_timeout=60)
    with_sso.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 32,
    }
    with_sso.run()
    assert "Sign in with SSO" in [button.label for button in with_sso.button]


def test_sso_identity_signs_in_as_the_app_user_with_that_email(app_database, menu):
    engine = make_engine(app_database, pool_size=1)
    with engine.begin() as conn:  # an SSO-only account: no password
        conn.execute(
            insert(AppUser).values(
                username="mia@example.com", display_name="Mia", role="manager", password_hash=None
            )
        )
    engine.dispose()
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32}
    at.user = {"is_logged_in": True, "email": "MIA@example.com", "name": "Mia"}
    at.run()

    assert menu() == {page(key).title for key in pages_for("manager")}
    assert "Mia" in texts(at.sidebar.markdown)


def test_sso_identity_without_an_account_is_refused_with_a_clear_message(app_database, menu):
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32}
    at.user = {"is_logged_in": True, "email": "stranger@example.com"}
    at.run()

    assert menu() == {"Sign in"}
    assert "stranger@example.com" in texts(at.error)
    assert "no active Waypoint account" in texts(at.error)


def test_without_a_database_the_form_says_so_instead_of_failing(monkeypatch, menu):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        at = sign_in(open_app(), "admin", "whatever")
    finally:
        get_settings.cache_clear()

    assert not at.exception
    assert "DATABASE_URL is not set" in texts(at.error)
    assert menu() == {"Sign in"}


def make_the_account_check_due(at: AppTest) -> None:
    at.session_state[ACCOUNT_CHECKED_AT_KEY] = time.monotonic() - ACCOUNT_CHECK_SECONDS - 1


def change_account(database_url: str, username: str, **values) -> None:
    engine = make_engine(database_url, pool_size=1)
    with engine.begin() as conn:
        conn.execute(update(AppUser).where(AppUser.username == username).values(**values))
    engine.dispose()


def test_a_deactivated_user_is_signed_out_at_the_next_check_and_told_why(app_database, menu):
    at = sign_in(open_app(), "floor_lead", PASSWORD)
    change_account(app_database, "floor_lead", active=False)

    at.run()  # within ACCOUNT_CHECK_SECONDS of the sign-in: the remembered account is trusted
    assert menu() == {page(key).title for key in pages_for("floor_lead")}

    make_the_account_check_due(at)
    at.run()

    assert not at.exception
    assert menu() == {"Sign in"}
    assert [text.label for text in at.text_input] == ["Username", "Password"]
    assert "You have been signed out. The account floor_lead has been deactivated" in texts(at.warning)
    assert not at.sidebar.button
    at.run()  # the notice is said once
    assert not at.warning


def test_a_user_whose_role_changed_is_signed_out_and_told_to_sign_in_again(app_database, menu):
    at = sign_in(open_app(), "floor_lead", PASSWORD)
    change_account(app_database, "floor_lead", role="support_agent")

    make_the_account_check_due(at)
    at.run()

    assert menu() == {"Sign in"}
    assert "role of floor_lead has changed from floor lead to support agent" in texts(at.warning)
    at = sign_in(at, "floor_lead", PASSWORD)
    assert menu() == {page(key).title for key in pages_for("support_agent")}


def test_an_active_account_stays_signed_in_when_checked(app_database, menu):
    at = sign_in(open_app(), "floor_lead", PASSWORD)

    make_the_account_check_due(at)
    at.run()

    assert menu() == {page(key).title for key in pages_for("floor_lead")}
    assert not at.warning
    assert at.session_state[ACCOUNT_CHECKED_AT_KEY] > time.monotonic() - ACCOUNT_CHECK_SECONDS  # checked now


def test_an_unreachable_database_does_not_sign_anyone_out(app_database, menu, monkeypatch):
    at = sign_in(open_app(), "floor_lead", PASSWORD)
    monkeypatch.delenv("DATABASE_URL")
    get_settings.cache_clear()

    make_the_account_check_due(at)
    at.run()

    assert menu() == {page(key).title for key in pages_for("floor_lead")}
    assert "Demo floor lead" in texts(at.sidebar.markdown)
