"""What an exception is: its states and the transitions between them, root causes and severities.

    open ──► automating ──► resolved
      │          │             ▲
      │          ▼             │
      └──────► escalated ──────┘        (open ──► resolved directly: fixed by hand, or over by itself)

A resolved exception stays resolved; new trouble with the same order opens a new one.
"""

from __future__ import annotations

from enum import StrEnum

from db.models.exceptions import SEVERITIES


class ExceptionState(StrEnum):
    OPEN = "open"
    AUTOMATING = "automating"
    ESCALATED = "escalated"
    RESOLVED = "resolved"


TRANSITIONS: dict[ExceptionState, frozenset[ExceptionState]] = {
    ExceptionState.OPEN: frozenset(
        {ExceptionState.AUTOMATING, ExceptionState.ESCALATED, ExceptionState.RESOLVED}
    ),
    ExceptionState.AUTOMATING: frozenset({ExceptionState.ESCALATED, ExceptionState.RESOLVED}),
    ExceptionState.ESCALATED: frozenset({ExceptionState.RESOLVED}),
    ExceptionState.RESOLVED: frozenset(),
}

ROOT_CAUSE_LABELS = {
    "inventory_mismatch": "Inventory mismatch",
    "carrier_delay": "Carrier delay",
    "address_issue": "Address issue",
    "damage": "Damage",
    "lost": "Lost",
    "silent_carrier": "Silent carrier",
    "other": "Other",
    "pipeline_health": "Pipeline health",
}

SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}


class ActionError(ValueError):
    """An action that cannot be done: which field or parameter, which rule, and why in plain words."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(f"{field}: {message} (rule: {rule})")
        self.field = field
        self.rule = rule
        self.message = message


class ActionRefusedError(ActionError):
    """The action does not apply to this exception as it stands (no stock anywhere, no contact, …)."""


class IllegalTransitionError(ActionError):
    """A state change the state machine does not allow; names the exception, the states and the rule."""

    def __init__(self, exception_id: int, current: str, wanted: str) -> None:
        allowed = ", ".join(sorted(TRANSITIONS[ExceptionState(current)])) or "nothing (it is final)"
        super().__init__(
            "state",
            "transition",
            f"exception {exception_id} cannot go from {current!r} to {wanted!r}; from {current!r} it may go to "
            f"{allowed}",
        )
        self.exception_id = exception_id
        self.current = current
        self.wanted = wanted


def check_transition(exception_id: int, current: str, wanted: str) -> ExceptionState:
    """The target state, if the machine allows `current -> wanted`; otherwise IllegalTransitionError."""
    target = ExceptionState(wanted)
    if target not in TRANSITIONS[ExceptionState(current)]:
        raise IllegalTransitionError(exception_id, current, wanted)
    return target


def worse(first: str, second: str) -> str:
    """The more severe of two severities."""
    return first if SEVERITY_RANK[first] >= SEVERITY_RANK[second] else second
