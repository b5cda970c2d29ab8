"""What every sender takes and gives back, and the two kinds of failure `send_due` tells apart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    notification_id: int
    to: str
    subject: str | None
    body: str


@dataclass(frozen=True)
class SendOutcome:
    provider_message_id: str
    status: str  # the provider's word: accepted, queued, sent, delivered


class TransientSendError(RuntimeError):
    """Worth trying again later: timeouts, refused connections, SMTP 4xx, HTTP 429 and 5xx."""


class PermanentSendError(RuntimeError):
    """Will not work by trying again: a refused recipient, a rejected request, bad credentials."""


class Sender(Protocol):
    channel: str

    def send(self, message: OutgoingMessage) -> SendOutcome: ...
