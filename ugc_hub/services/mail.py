"""Sending e-mail: SMTP in production, the console plus an outbox table in development."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from ugc_hub.models.base import DbSession
from ugc_hub.models.ideas import OutboxMessage


@dataclass(frozen=True)
class MailSettings:
    backend: str = "console"
    sender: str = "UGC Hub <no-reply@localhost>"
    host: str = "127.0.0.1"
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Any) -> MailSettings:
        return cls(
            backend=config.get("MAIL_BACKEND", "console"),
            sender=config.get("MAIL_SENDER", cls.sender),
            host=config.get("MAIL_HOST", cls.host),
            port=int(config.get("MAIL_PORT", cls.port)),
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            starttls=bool(config.get("MAIL_STARTTLS", False)),
        )


class MailError(RuntimeError):
    pass


def send_mail(session: DbSession, settings: MailSettings, *, to: str, subject: str, body: str) -> None:
    """Send one plain-text message; the console backend prints it and keeps it in the outbox."""
    if settings.backend == "console":
        print(f"--- mail to {to}: {subject}\n{body}\n---", flush=True)
        session.add(OutboxMessage(recipient=to, subject=subject, body=body))
        session.flush()
        return
    if settings.backend != "smtp":
        raise MailError(f"unknown MAIL_BACKEND {settings.backend!r}: use console or smtp")
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.username and settings.password:
                smtp.login(settings.username, settings.password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"could not send mail to {to}: {exc}") from exc
