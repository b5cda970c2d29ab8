"""Waypoint's Streamlit app: `streamlit run dashboard/app.py` (`waypoint run` starts it for you).

A thin entry: page config, sign-in gate, the navigation of the pages the signed-in role may open,
and the account box in the sidebar; or, for a floor screen's `?kiosk=` link, its facility's live flow
alone (dashboard/kiosk_screen.py). Each page is a script in pages/ that holds layout only.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the project root with the
# db, pipeline, simulator and dashboard packages.
_PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)
if _PROJECT_ROOT not in sys.path:
    sys.path.insert(0, _PROJECT_ROOT)

import streamlit as st  # noqa: E402

from dashboard.kiosk_screen import kiosk_requested, run_kiosk_entry  # noqa: E402
from dashboard.navigation import navigation_for  # noqa: E402
from dashboard.session import current_user  # noqa: E402
from dashboard.sign_in import complete_sso_sign_in, render_account, sso_configured  # noqa: E402

if kiosk_requested():  # a floor screen's kiosk link: one facility's live flow, no sign-in
    run_kiosk_entry()
else:
    st.set_page_config(
        page_title="Waypoint",
        page_icon=":material/route:",
        layout="wide",
        menu_items={"About": "Waypoint: fulfillment visibility from one canonical event stream."},
    )

    user = current_user()
    if user is None and sso_configured() and st.user.get("is_logged_in"):
        user = complete_sso_sign_in()
    if user is not None:
        render_account(user)
    navigation_for(user).run()
