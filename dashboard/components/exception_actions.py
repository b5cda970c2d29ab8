"""One exception's facts and its action buttons: the Exception queue shows it under a selected row, the
Order timeline can show it under each open exception (`exception_panel(user, exception_id, key=…)`).

Every click goes through pipeline.actions.perform as the signed-in user, in its own transaction; the
role decides which buttons there are (the same permission table perform checks). An escalated
exception offers its suggested next action as its first button. The outcome is shown after the rerun
that refreshes the data, so the person sees the new state and what happened in the same view.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import streamlit as st
import structlog
from sqlalchemy.exc import SQLAlchemyError

from dashboard.auth import SignedInUser
from dashboard.database import DatabaseNotConfigured, main_engine
from dashboard.queries.exception_queue import forget_cached_queue, one_exception, reallocation_choice
from pipeline.actions import ActionError, Actor, action_label, actions_for, perform
from pipeline.exceptions.model import ROOT_CAUSE_LABELS
from pipeline.exceptions.reallocation import Candidate

log = structlog.get_logger("dashboard.exception_actions")

OUTCOME_KEY = "exception_actions_outcome"
NEEDS_NOTE = {"resolve": "note", "escalate": "reason"}
BUTTON_LABELS = {
    "request_address_confirmation": "Ask the customer to confirm the address",
    "release_address_hold": "Address confirmed: release the hold",
}
ICONS = {
    "reallocate": ":material/move_up:",
    "split_shipment": ":material/call_split:",
    "notify_customer": ":material/sms:",
    "request_address_confirmation": ":material/home_pin:",
    "release_address_hold": ":material/lock_open:",
    "assign_to_me": ":material/person_add:",
    "escalate": ":material/priority_high:",
    "resolve": ":material/check_circle:",
}


def exception_panel(user: SignedInUser, exception_id: int, *, key: str) -> None:
    """Facts and actions of one exception, read fresh (it is about to be acted on)."""
    show_outcome(key)
    try:
        exception = one_exception(exception_id)
    except (SQLAlchemyError, DatabaseNotConfigured) as error:
        log.warning("exception_panel.unavailable", error=str(error))
        st.error("This exception cannot be read right now: Waypoint's database cannot be reached.")
        return
    if exception is None:
        st.warning(f"There is no exception {exception_id}.")
        return
    exception_facts(exception)
    exception_actions(user, exception, key=key)


def exception_facts(exception: Mapping[str, Any]) -> None:
    cause = ROOT_CAUSE_LABELS[exception["root_cause"]]
    where = " · ".join(
        part for part in (exception["facility_id"], exception["carrier_id"], exception["shipment_id"]) if part
    )
    st.markdown(
        f"**{cause}: {exception['exception_type']}** on order **{exception['order_id']}** · "
        f"{exception['severity']} · {exception['state']}" + (f" · {where}" if where else "")
    )
    facts = []
    if exception["promise_at_risk"]:
        facts.append(":red[promise at risk]")
    if exception["escalation_reason"]:
        facts.append(f"escalated: {exception['escalation_reason']}")
    if exception["automation"]:
        facts.append(f"automation {exception['automation']} is working on it")
    if exception["assigned_to"]:
        facts.append(f"assigned to {exception['assigned_to']}")
    detail = exception["detail"]
    for line in detail.get("short_lines", ()):
        facts.append(
            f"short {line['qty_short']} × {line['sku']}"
            + (f" (line {line['line_no']})" if "line_no" in line else "")
        )
    if detail.get("reason"):
        facts.append(f"reason: {str(detail['reason']).replace('_', ' ')}")
    if detail.get("new_estimated_delivery"):
        facts.append(f"carrier's new estimate {detail['new_estimated_delivery']}")
    facts.append(f"{exception['evidence_count']} piece(s) of evidence")
    st.caption(" · ".join(facts))


def exception_actions(user: SignedInUser, exception: Mapping[str, Any], *, key: str) -> None:
    """The buttons `user`'s role may use on this exception; one click does the action."""
    names = actions_for(exception, user.role)
    if not names:
        st.caption("Your role can look at this exception but not act on it.")
        return
    note = ""
    if NEEDS_NOTE.keys() & set(names):
        note = st.text_input(
            "Note", key=f"{key}_note", placeholder="Why — needed to resolve or escalate", max_chars=500
        ).strip()
    suggested = exception["state"] == "escalated" and exception["suggested_action"] == names[0]
    with st.container(horizontal=True, key=f"{key}_buttons"):
        for position, name in enumerate(names):
            params = dict(exception["suggested_params"] or {}) if suggested and position == 0 else {}
            label, disabled, why, params = _button(name, exception, params)
            if suggested and position == 0:
                label = f"Suggested: {exception['suggested_label'] or label}"
            clicked = st.button(
                label,
                key=f"{key}_{name}",
                icon=ICONS.get(name),
                help=why,
                disabled=disabled,
                type="primary" if position == 0 else "secondary",
            )
            if clicked:
                _act(user, exception, name, params, note, key)


def _button(
    name: str, exception: Mapping[str, Any], params: dict[str, Any]
) -> tuple[str, bool, str | None, dict[str, Any]]:
    """(label, disabled, why, parameters) of an action's button."""
    if name == "reallocate" and "to_facility" not in params:
        choice = _reallocation_choice(exception)
        if choice is None:
            return "Re-allocate", True, "No other facility has the stock these lines need.", params
        return (
            f"Re-allocate to {choice.facility_id}",
            False,
            f"{choice.label} has the stock",
            {
                **params,
                "to_facility": choice.facility_id,
            },
        )
    if name == "reallocate":
        return f"Re-allocate to {params['to_facility']}", False, None, params
    return BUTTON_LABELS.get(name, action_label(name)), False, None, params


def _reallocation_choice(exception: Mapping[str, Any]) -> Candidate | None:
    try:
        return reallocation_choice(dict(exception))
    except SQLAlchemyError as error:
        log.warning("reallocation_choice.failed", error=str(error))
        return None


def _act(
    user: SignedInUser, exception: Mapping[str, Any], name: str, params: dict[str, Any], note: str, key: str
) -> None:
    if name in NEEDS_NOTE:
        if not note:
            st.session_state[OUTCOME_KEY] = (
                key,
                "error",
                f"Write a note first: {name.replace('_', ' ')} needs one.",
            )
            st.rerun()
        params = {**params, NEEDS_NOTE[name]: note}
    actor = Actor.person(user.username, user.role)
    try:
        with main_engine().begin() as conn:
            result = perform(conn, actor, name, exception["exception_id"], now=datetime.now(UTC), **params)
    except ActionError as error:
        st.session_state[OUTCOME_KEY] = (key, "error", f"Not done: {error.message}.")
    except (SQLAlchemyError, DatabaseNotConfigured) as error:
        log.warning("exception_action.failed", action=name, error=str(error))
        st.session_state[OUTCOME_KEY] = (
            key,
            "error",
            "Not done: Waypoint's database cannot be reached. Try again.",
        )
    else:
        st.session_state[OUTCOME_KEY] = (key, "success", f"{result.message}.")
        st.session_state.pop(f"{key}_note", None)
    forget_cached_queue()
    st.rerun()


def show_outcome(key: str | None = None) -> bool:
    """What the last click did, shown once: by the panel that was clicked (`key`), or, with no key, by
    the page before anything else — the clicked exception may have left the list it was in. True when
    there was something to show (the page then clears its row selections: the rows have changed)."""
    outcome = st.session_state.get(OUTCOME_KEY)
    if outcome is None or (key is not None and outcome[0] != key):
        return False
    st.session_state.pop(OUTCOME_KEY)
    _, kind, message = outcome
    if kind == "success":
        st.success(message, icon=":material/check:")
    else:
        st.error(message, icon=":material/block:")
    return True
