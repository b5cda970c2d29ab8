"""The exception state machine: the moves it allows and the clear error for the ones it does not."""

from __future__ import annotations

import pytest

from db.models.exceptions import ROOT_CAUSES
from pipeline.exceptions.model import (
    ROOT_CAUSE_LABELS,
    TRANSITIONS,
    ExceptionState,
    IllegalTransitionError,
    check_transition,
    worse,
)

ALLOWED = {
    ("open", "automating"),
    ("open", "escalated"),
    ("open", "resolved"),
    ("automating", "escalated"),
    ("automating", "resolved"),
    ("escalated", "resolved"),
}


@pytest.mark.parametrize("current", [state.value for state in ExceptionState])
@pytest.mark.parametrize("wanted", [state.value for state in ExceptionState])
def test_exactly_the_documented_transitions_are_allowed(current: str, wanted: str) -> None:
    if (current, wanted) in ALLOWED:
        assert check_transition(7, current, wanted) == wanted
    else:
        with pytest.raises(IllegalTransitionError) as refused:
            check_transition(7, current, wanted)
        assert (refused.value.field, refused.value.rule) == ("state", "transition")
        assert f"exception 7 cannot go from {current!r} to {wanted!r}" in str(refused.value)


def test_resolved_is_final() -> None:
    assert TRANSITIONS[ExceptionState.RESOLVED] == frozenset()
    with pytest.raises(IllegalTransitionError, match="it may go to nothing"):
        check_transition(1, "resolved", "open")


def test_every_root_cause_of_the_schema_has_a_label_in_the_same_order() -> None:
    assert tuple(ROOT_CAUSE_LABELS) == ROOT_CAUSES


def test_the_worse_severity_wins() -> None:
    assert worse("medium", "critical") == "critical"
    assert worse("high", "low") == "high"
