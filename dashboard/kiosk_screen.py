"""The app's kiosk entry: a floor screen opens `/?kiosk=TOKEN&facility=DC-RNO` and gets that facility's
live flow and nothing else: no sign-in, no sidebar, no toolbar, no other page, no control.

dashboard/app.py hands a request with `?kiosk=` to `run_kiosk_entry` before any sign-in. The token is
checked on the server when the screen opens and again on every refresh of the board, so revoking a
link blanks its screens within one refresh. An unknown, revoked or wrong-facility token gets a
refusal that says which and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import streamlit as st
from sqlalchemy.exc import OperationalError

from dashboard.database import DatabaseNotConfigured, main_engine
from dashboard.kiosk import KioskCheck, check_kiosk_token
from dashboard.roles import page

KIOSK_PARAM = "kiosk"
FACILITY_PARAM = "facility"
RETRY_SECONDS = 30
_SCREEN_KEY = "waypoint_kiosk_screen"
_REFUSAL_KEY = "waypoint_kiosk_refusal"
UNREACHABLE = "The live flow cannot reach its database just now. This screen tries again by itself."

# Everything but the page itself goes: header, toolbar, menu, running-man, sidebar and its toggle.
KIOSK_CSS = """
<style>
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], [data-testid="stMainMenu"], section[data-testid="stSidebar"],
[data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 1rem 1.75rem 0.5rem !important; max-width: none !important; }
</style>
"""


@dataclass(frozen=True)
class KioskScreen:
    kiosk_id: int
    facility_id: str
    token: str  # kept in this server's session memory only, to check the link again on each refresh


def kiosk_requested() -> bool:
    return KIOSK_PARAM in st.query_params


def run_kiosk_entry() -> None:
    """Check the screen's token and run the only page it may see: the live flow, or a refusal."""
    st.set_page_config(
        page_title="Waypoint · Live flow",
        page_icon=":material/conveyor_belt:",
        layout="wide",
        initial_sidebar_state="collapsed",
    )
    st.html(KIOSK_CSS)
    token = st.query_params.get(KIOSK_PARAM, "")
    try:
        check = check_token(token, st.query_params.get(FACILITY_PARAM))
    except (DatabaseNotConfigured, OperationalError):
        check = KioskCheck(None, None, UNREACHABLE)
    if check.allowed and check.kiosk_id is not None and check.facility_id is not None:
        st.session_state[_SCREEN_KEY] = KioskScreen(check.kiosk_id, check.facility_id, token)
        live_flow = page("live_flow")
        shown = st.Page(
            live_flow.script_path, title=live_flow.title, icon=live_flow.icon, url_path="live_flow"
        )
    else:
        st.session_state.pop(_SCREEN_KEY, None)
        st.session_state[_REFUSAL_KEY] = (check.refusal, datetime.now(UTC))
        shown = st.Page(_refused, title="Kiosk link refused", icon=":material/lock:", url_path="kiosk")
    st.navigation([shown], position="hidden").run()


def kiosk_screen() -> KioskScreen | None:
    """This session's checked kiosk screen, while the page's URL still carries its token."""
    screen = st.session_state.get(_SCREEN_KEY)
    if isinstance(screen, KioskScreen) and st.query_params.get(KIOSK_PARAM) == screen.token:
        return screen
    return None


def check_token(token: str, facility_id: str | None) -> KioskCheck:
    """Check a token against the database now (and mark its link seen). Database errors propagate."""
    with main_engine().begin() as conn:
        return check_kiosk_token(conn, token, facility_id, datetime.now(UTC))


def _refused() -> None:
    refusal, refused_at = st.session_state.get(_REFUSAL_KEY, ("This kiosk link is not valid.", None))
    st.title("Kiosk link refused")
    st.error(refusal, icon=":material/lock:")
    if refusal == UNREACHABLE:
        _retry_later(refused_at)


@st.fragment(run_every=RETRY_SECONDS)
def _retry_later(refused_at: datetime) -> None:
    """A screen left on overnight recovers by itself once the database is back: the whole entry runs
    again (and checks the token again) once a retry interval has passed."""
    if (datetime.now(UTC) - refused_at).total_seconds() >= RETRY_SECONDS - 1:
        st.rerun(scope="app")
