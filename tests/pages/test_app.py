"""The app shell through Streamlit's AppTest: the sign-in gate, each role's navigation, the refusal of a
page a role may not use, and signing out. Sign-ins go through the real form against a real database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from dashboard.auth import DEMO_USERS, SignedInUser, seed_demo_users
from dashboard.roles import page, pages_for
from dashboard.session import SIGNED_IN_USER_KEY
from db.engine import make_engine
from db.models.access import AppUser, AuditLog
from pipeline.settings import get_settings

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


def open_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=60).run()


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    """Fill the sign-in form and press its button, as a person would."""
    field = {text.label: text for text in at.text_input}
    field["Username"].input(username)
    field["Password"].input(password)
    next(button for button in at.button if button.label == "Sign in").click()
    return at.run()


def navigation(at: AppTest) -> set[str]:
    """Titles of the pages `st.navigation` registered in the last run (AppTest keeps them privately)."""
    return {info["page_name"] for info in at._registered_pages.values()}


def texts(elements) -> str:
    return " ".join(str(element.value) for element in elements)


def test_visitor_sees_the_sign_in_form_and_nothing_else(app_database):
    at = open_app()

    assert not at.exception
    assert [text.label for text in at.text_input] == ["Username", "Password"]
    assert navigation(at) == {"Sign in"}
    assert not at.metric and not at.dataframe
    assert not at.sidebar.button  # no account box, no sign-out


def test_wrong_password_keeps_the_visitor_at_the_form(app_database):
    at = sign_in(open_app(), "admin", "not-the-password")

    assert "Wrong username or password" in texts(at.error)
    assert navigation(at) == {"Sign in"}


def test_empty_form_asks_for_both_fields(app_database):
    at = sign_in(open_app(), "admin", "")
    assert "Enter your username and your password" in texts(at.error)


@pytest.mark.parametrize("demo", DEMO_USERS, ids=lambda demo: demo.role)
def test_each_role_gets_exactly_the_built_pages_it_may_use(app_database, demo):
    at = sign_in(open_app(), demo.username, PASSWORD)

    assert not at.exception
    expected = {page(key).title for key in pages_for(demo.role)} or {"Welcome"}
    assert navigation(at) == expected
    assert demo.display_name in texts(at.sidebar.markdown)
    assert demo.role.replace("_", " ") in texts(at.sidebar.markdown)


def test_a_role_with_no_built_page_is_told_what_is_coming(app_database):
    at = sign_in(open_app(), "support_agent", PASSWORD)

    assert "No page for the support agent role" in texts(at.info)
    assert "Order timeline" in texts(at.info)


def test_a_page_left_out_of_the_navigation_cannot_be_switched_to(app_database):
    at = sign_in(open_app(), "support_agent", PASSWORD)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("../pages/source_activity.py")


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


def test_sign_in_and_sign_out_are_audited_and_sign_out_returns_to_the_form(app_database):
    at = sign_in(open_app(), "manager", PASSWORD)
    assert navigation(at) == {"Source activity"}

    next(button for button in at.sidebar.button if button.label == "Sign out").click()
    at.run()

    assert navigation(at) == {"Sign in"}
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


def test_sso_identity_signs_in_as_the_app_user_with_that_email(app_database):
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

    assert navigation(at) == {"Source activity"}
    assert "Mia" in texts(at.sidebar.markdown)


def test_sso_identity_without_an_account_is_refused_with_a_clear_message(app_database):
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32}
    at.user = {"is_logged_in": True, "email": "stranger@example.com"}
    at.run()

    assert navigation(at) == {"Sign in"}
    assert "stranger@example.com" in texts(at.error)
    assert "no active Waypoint account" in texts(at.error)


def test_without_a_database_the_form_says_so_instead_of_failing(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        at = sign_in(open_app(), "admin", "whatever")
    finally:
        get_settings.cache_clear()

    assert not at.exception
    assert "DATABASE_URL is not set" in texts(at.error)
    assert navigation(at) == {"Sign in"}
