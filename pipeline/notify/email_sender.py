"""Email through SMTP: host, port, TLS mode and credentials from the settings."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from pipeline.notify.delivery import OutgoingMessage, PermanentSendError, SendOutcome, TransientSendError
from pipeline.settings import Settings

MESSAGE_ID_DOMAIN = "waypoint.local"


class SmtpEmailSender:
    channel = "email"

    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host:
            raise ValueError("smtp_host: no SMTP server configured (rule: required)")
        self.settings = settings

    def send(self, message: OutgoingMessage) -> SendOutcome:
        email = EmailMessage()
        email["From"] = self.settings.notify_from_email
        email["To"] = message.to
        email["Subject"] = message.subject or ""
        email["Message-ID"] = make_msgid(idstring=f"n{message.notification_id}", domain=MESSAGE_ID_DOMAIN)
        email.set_content(message.body)
        try:
            with self._connect() as smtp:
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            raise _by_code(
                min(code for code, _ in error.recipients.values()), f"recipient refused: {error}"
            ) from error
        except smtplib.SMTPResponseException as error:
            raise _by_code(error.smtp_code, f"SMTP {error.smtp_code}: {error.smtp_error!r}") from error
        except (smtplib.SMTPException, OSError) as error:
            raise TransientSendError(
                f"SMTP {self.settings.smtp_host}:{self.settings.smtp_port}: {error}"
            ) from error
        return SendOutcome(provider_message_id=email["Message-ID"], status="accepted")

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        host, port, timeout = settings.smtp_host or "", settings.smtp_port, settings.notify_timeout_seconds
        if settings.smtp_tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
            if settings.smtp_tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_user, password)
        return smtp


def _by_code(code: int, text: str) -> Exception:
    """SMTP 4xx is "try later", 5xx is "no"."""
    return TransientSendError(text) if 400 <= code < 500 else PermanentSendError(text)
