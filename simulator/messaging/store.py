"""What the simulated SMS provider and mail server received, in the `messaging` schema of the simulator
database, and which text messages reach the phone."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import Connection, text

MESSAGING_DDL = """
CREATE SCHEMA IF NOT EXISTS messaging;
CREATE TABLE IF NOT EXISTS messaging.sms_message (
    message_id text PRIMARY KEY,
    to_number text NOT NULL,
    body text NOT NULL,
    reference text,
    accepted_at timestamptz NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('delivered', 'undelivered')),
    report_due_at timestamptz NOT NULL,
    report_attempts integer NOT NULL DEFAULT 0,
    reported_at timestamptz,
    last_error text
);
CREATE INDEX IF NOT EXISTS sms_message_report_due ON messaging.sms_message (report_due_at)
    WHERE reported_at IS NULL;
CREATE TABLE IF NOT EXISTS messaging.email_message (
    email_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mail_from text NOT NULL,
    rcpt_to text[] NOT NULL,
    subject text,
    message text NOT NULL,
    accepted_at timestamptz NOT NULL
);
"""

UNDELIVERABLE_SHARE = 0.03
"""Share of phone numbers that cannot receive texts (landlines, numbers no longer in service)."""

_ACCEPT_SMS = text(
    "INSERT INTO messaging.sms_message (message_id, to_number, body, reference, accepted_at, outcome,"
    " report_due_at) VALUES (:message_id, :to_number, :body, :reference, :accepted_at, :outcome, :report_due_at)"
)
_ACCEPT_EMAIL = text(
    "INSERT INTO messaging.email_message (mail_from, rcpt_to, subject, message, accepted_at)"
    " VALUES (:mail_from, :rcpt_to, :subject, :message, :accepted_at)"
)


def ensure_messaging_tables(conn: Connection) -> None:
    conn.exec_driver_sql(MESSAGING_DDL)


def reaches_phone(number: str) -> bool:
    """Whether texts to `number` are delivered: fixed per number, as with a real landline."""
    digest = hashlib.sha256(number.encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 >= UNDELIVERABLE_SHARE


def report_delay(message_id: str) -> timedelta:
    """How long the handset's receipt takes: 3 to 40 seconds, fixed per message."""
    digest = hashlib.sha256(message_id.encode()).digest()
    return timedelta(seconds=3 + digest[0] % 38)


def accept_sms(conn: Connection, message_id: str, to_number: str, body: str, reference: str | None,
               now: datetime) -> str:  # fmt: skip
    """Keep an accepted text message; returns the outcome its receipt will report."""
    outcome = "delivered" if reaches_phone(to_number) else "undelivered"
    conn.execute(
        _ACCEPT_SMS,
        {"message_id": message_id, "to_number": to_number, "body": body, "reference": reference,
         "accepted_at": now, "outcome": outcome, "report_due_at": now + report_delay(message_id)},
    )  # fmt: skip
    return outcome


def accept_email(conn: Connection, mail_from: str, rcpt_to: list[str], subject: str | None, message: str,
                 now: datetime) -> None:  # fmt: skip
    conn.execute(
        _ACCEPT_EMAIL,
        {
            "mail_from": mail_from,
            "rcpt_to": rcpt_to,
            "subject": subject,
            "message": message,
            "accepted_at": now,
        },
    )
