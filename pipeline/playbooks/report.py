"""What a playbook run did: one outcome per exception it looked at, and the totals the worker logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

OutcomeKind = Literal["acted", "escalated", "waiting", "failed"]


@dataclass(frozen=True)
class PlaybookOutcome:
    exception_id: int
    playbook: str
    outcome: OutcomeKind  # acted: an automated action was done; waiting: nothing to do yet
    message: str


@dataclass
class PlaybookReport:
    outcomes: list[PlaybookOutcome] = field(default_factory=list)
    skipped_locked: bool = False

    def add(self, outcome: PlaybookOutcome) -> None:
        self.outcomes.append(outcome)

    def count(self, outcome: OutcomeKind, playbook: str | None = None) -> int:
        return sum(
            1 for o in self.outcomes if o.outcome == outcome and (playbook is None or o.playbook == playbook)
        )

    @property
    def acted(self) -> int:
        return self.count("acted")

    @property
    def escalated(self) -> int:
        return self.count("escalated")

    @property
    def failed(self) -> int:
        return self.count("failed")
