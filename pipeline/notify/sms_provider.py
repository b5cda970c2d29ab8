"""Text messages through an SMS provider's HTTP API.

The adapter speaks a small, common shape: POST `<sms_provider_url>/messages` with a bearer key and
`{"to", "body", "reference"}`; the provider answers `{"id", "status"}`. Swapping providers means
changing this module only.
"""

from __future__ import annotations

import httpx

from pipeline.notify.delivery import OutgoingMessage, PermanentSendError, SendOutcome, TransientSendError
from pipeline.settings import Settings


class HttpSmsProvider:
    channel = "sms"

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        if not settings.sms_provider_url:
            raise ValueError("sms_provider_url: no SMS provider configured (rule: required)")
        key = settings.sms_api_key.get_secret_value() if settings.sms_api_key else None
        self.client = client or httpx.Client(
            base_url=settings.sms_provider_url,
            timeout=httpx.Timeout(settings.notify_timeout_seconds),
            headers={"Authorization": f"Bearer {key}"} if key else {},
        )

    def send(self, message: OutgoingMessage) -> SendOutcome:
        payload = {"to": message.to, "body": message.body, "reference": str(message.notification_id)}
        try:
            response = self.client.post("/messages", json=payload)
        except httpx.HTTPError as error:
            raise TransientSendError(f"SMS provider: {type(error).__name__}: {error}") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientSendError(f"SMS provider: HTTP {response.status_code} {response.text[:200]}")
        if not response.is_success:
            raise PermanentSendError(
                f"SMS provider refused the message: HTTP {response.status_code} {response.text[:200]}"
            )
        try:
            body = response.json()
            return SendOutcome(
                provider_message_id=str(body["id"]), status=str(body.get("status", "accepted"))
            )
        except (ValueError, KeyError, TypeError) as error:
            raise PermanentSendError(f"SMS provider: unexpected answer {response.text[:200]!r}") from error
