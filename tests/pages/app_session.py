"""What every page test does: sign somebody in, open a page script through AppTest with the query
parameters, session state and browser context a real visit would carry."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from dashboard.auth import SignedInUser
from dashboard.session import SIGNED_IN_USER_KEY

PAGES = Path(__file__).resolve().parents[2] / "pages"


def signed_in_as(role: str, facility_id: str | None = None) -> SignedInUser:
    """A signed-in user of `role` (user id 1, username `<role>_1`), tied to a facility when given."""
    return SignedInUser(
        user_id=1,
        username=f"{role}_1",
        display_name=f"Test {role}",
        role=role,
        facility_id=facility_id,
        method="password",
    )


def open_page(
    script: str,
    user: SignedInUser | None,
    *,
    query: Mapping[str, str] | None = None,
    state: Mapping[str, Any] | None = None,
    context: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> AppTest:
    """Run `pages/<script>` once as `user` (nobody when None) and return the rendered app."""
    at = AppTest.from_file(str(PAGES / script), default_timeout=timeout)
    if user is not None:
        at.session_state[SIGNED_IN_USER_KEY] = user
    for key, value in (state or {}).items():
        at.session_state[key] = value
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if context:
        at.context = dict(context)
    return at.run()
