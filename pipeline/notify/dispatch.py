"""`send_due(engine, now)`: send the outbox messages that are due, one transaction per message.

A message is locked (FOR UPDATE SKIP LOCKED) while it is sent, so several workers never send it twice.
A send is tried a few times at once (tenacity, exponential backoff with jitter) for blips; if it still
fails for a reason worth retrying, the message waits for a later run (backoff doubling per run, and
never inside the customer's quiet hours) until `notify_max_attempts` runs have failed. A permanent
refusal fails it at once. Messages whose channel has no sender configured wait; any message older than
`notify_max_age_hours` is expired rather than sent late.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Connection, Engine, text
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from pipeline.notify.delivery import (
    OutgoingMessage,
    PermanentSendError,
    Sender,
    SendOutcome,
    TransientSendError,
)
from pipeline.notify.quiet_hours import next_send_time, parse_quiet_hours
from pipeline.settings import Settings, get_settings

log = structlog.get_logger(__name__)

MAX_BACKOFF = timedelta(hours=6)

_EXPIRE = text(
    "UPDATE notification SET status = 'expired', last_error = 'not sent within the maximum age'"
    " WHERE status = 'pending' AND created_at < :oldest"
)
_NEXT_DUE = text(
    """
    SELECT n.notification_id, n.order_id, n.channel, n.subject, n.body, n.attempts,
           c.customer_email, c.customer_phone, c.destination_time_zone
    FROM notification AS n LEFT JOIN customer_order AS c ON c.order_id = n.order_id
    WHERE n.status = 'pending' AND n.due_at <= :now AND n.channel = ANY(:channels)
    ORDER BY n.due_at, n.notification_id
    LIMIT 1
    FOR UPDATE OF n SKIP LOCKED
    """
)
_SENT = text(
    "UPDATE notification SET status = 'sent', sent_at = :now, attempts = attempts + 1, last_attempt_at = :now,"
    " provider_message_id = :provider_message_id, delivery_status = :status, delivery_status_at = :now,"
    " last_error = NULL WHERE notification_id = :id"
)
_RETRY_LATER = text(
    "UPDATE notification SET attempts = attempts + 1, last_attempt_at = :now, due_at = :due_at, last_error = :error"
    " WHERE notification_id = :id"
)
_FAILED = text(
    "UPDATE notification SET status = 'failed', attempts = attempts + 1, last_attempt_at = :now, last_error = :error,"
    " delivery_status = 'failed', delivery_status_at = :now WHERE notification_id = :id"
)


@dataclass(frozen=True)
class SendPolicy:
    """Tries within one run, and their backoff."""

    attempts: int = 3
    initial_seconds: float = 0.5
    max_seconds: float = 5.0


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    expired: int = 0


def configured_senders(settings: Settings) -> dict[str, Sender]:
    """The senders the settings configure: email with smtp_host, SMS with sms_provider_url."""
    from pipeline.notify.email_sender import SmtpEmailSender
    from pipeline.notify.sms_provider import HttpSmsProvider

    senders: dict[str, Sender] = {}
    if settings.smtp_host:
        senders["email"] = SmtpEmailSender(settings)
    if settings.sms_provider_url:
        senders["sms"] = HttpSmsProvider(settings)
    return senders


def send_due(
    engine: Engine,
    now: datetime | None = None,
    *,
    settings: Settings | None = None,
    senders: Mapping[str, Sender] | None = None,
    policy: SendPolicy | None = None,
    limit: int = 200,
) -> SendReport:
    """Send up to `limit` due messages; see the module docstring for retries and expiry."""
    now = now or datetime.now(UTC)
    settings = settings or get_settings()
    senders = configured_senders(settings) if senders is None else senders
    policy = policy or SendPolicy()
    report = SendReport()
    with engine.begin() as conn:
        report.expired = conn.execute(
            _EXPIRE, {"oldest": now - timedelta(hours=settings.notify_max_age_hours)}
        ).rowcount
    for _ in range(limit):
        with engine.begin() as conn:
            row = conn.execute(_NEXT_DUE, {"now": now, "channels": sorted(senders)}).mappings().first()
            if row is None:
                break
            _send_one(conn, row, senders[row["channel"]], settings, policy, now, report)
    if report.sent or report.failed or report.retrying:
        log.info(
            "notify.sent",
            sent=report.sent,
            retrying=report.retrying,
            failed=report.failed,
            expired=report.expired,
        )
    return report


def _send_one(
    conn: Connection,
    row: Mapping[str, Any],
    sender: Sender,
    settings: Settings,
    policy: SendPolicy,
    now: datetime,
    report: SendReport,
) -> None:
    recipient = row["customer_email"] if row["channel"] == "email" else row["customer_phone"]
    if not recipient:
        _fail(conn, row, now, f"the order has no {row['channel']} contact any more")
        report.failed += 1
        return
    message = OutgoingMessage(row["notification_id"], recipient, row["subject"], row["body"])
    try:
        outcome = _with_retries(sender, message, policy)
    except PermanentSendError as error:
        _fail(conn, row, now, str(error))
        report.failed += 1
        return
    except TransientSendError as error:
        runs = row["attempts"] + 1
        if runs >= settings.notify_max_attempts:
            _fail(conn, row, now, f"gave up after {runs} runs: {error}")
            report.failed += 1
            return
        backoff = min(timedelta(minutes=2**runs), MAX_BACKOFF)
        quiet = parse_quiet_hours(settings.notify_quiet_hours)
        due_at = next_send_time(now + backoff, row["destination_time_zone"], quiet)
        conn.execute(
            _RETRY_LATER,
            {"id": row["notification_id"], "now": now, "due_at": due_at, "error": str(error)[:500]},
        )
        report.retrying += 1
        return
    conn.execute(
        _SENT,
        {
            "id": row["notification_id"],
            "now": now,
            "provider_message_id": outcome.provider_message_id,
            "status": outcome.status,
        },
    )
    report.sent += 1


def _with_retries(sender: Sender, message: OutgoingMessage, policy: SendPolicy) -> SendOutcome:
    retrying = Retrying(
        retry=retry_if_exception_type(TransientSendError),
        wait=wait_random_exponential(multiplier=policy.initial_seconds, max=policy.max_seconds),
        stop=stop_after_attempt(policy.attempts),
        reraise=True,
    )
    return retrying(sender.send, message)


def _fail(conn: Connection, row: Mapping[str, Any], now: datetime, error: str) -> None:
    conn.execute(_FAILED, {"id": row["notification_id"], "now": now, "error": error[:500]})
