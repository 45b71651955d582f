"""Customers sign in without a password: a one-time link sent to their e-mail address."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ugc_hub.domain.emails import EmailError, canonical_email, is_disposable
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.models.ideas import Customer, LoginLink
from ugc_hub.services.mail import MailSettings, send_mail

LINK_LIFETIME = timedelta(minutes=30)


class SignInError(ValueError):
    """A sign-in request that cannot be served; the message is for the person."""


@dataclass(frozen=True)
class LinkSent:
    customer_id: int
    token: str  # returned for the caller's tests and logs; never stored


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_login_link(
    session: DbSession,
    *,
    email: str,
    link_base: str,
    mail: MailSettings,
    blocked_domains: tuple[str, ...] = (),
    subject: str = "Your sign-in link",
    now: datetime | None = None,
) -> LinkSent:
    """Find or create the customer behind ``email`` and mail them a one-time link."""
    now = now or utcnow()
    try:
        canonical = canonical_email(email)
        if is_disposable(email, blocked_domains):
            raise SignInError("addresses from disposable mailbox services cannot be used here")
    except EmailError as exc:
        raise SignInError(str(exc)) from exc
    customer = session.scalar(select(Customer).where(Customer.email_canonical == canonical))
    if customer is None:
        customer = Customer(email=email.strip()[:320], email_canonical=canonical)
        session.add(customer)
        session.flush()
    token = secrets.token_urlsafe(32)
    session.add(LoginLink(customer_id=customer.id, token_hash=_digest(token), expires_at=now + LINK_LIFETIME))
    body = (
        f"Hello,\n\nOpen this link within {int(LINK_LIFETIME.total_seconds() // 60)} minutes to sign in:\n"
        f"{link_base.rstrip('/')}/{token}\n\nIf you did not ask for it, ignore this message.\n"
    )
    send_mail(session, mail, to=customer.email, subject=subject, body=body)
    session.commit()
    return LinkSent(customer.id, token)


def redeem_login_link(session: DbSession, token: str, *, now: datetime | None = None) -> Customer | None:
    """The customer for a valid, unused, unexpired link, which is used up; None otherwise."""
    now = now or utcnow()
    # One UPDATE … WHERE used_at IS NULL: two tabs redeeming the same link cannot both win.
    used = session.execute(
        update(LoginLink)
        .where(LoginLink.token_hash == _digest(token), LoginLink.used_at.is_(None), LoginLink.expires_at >= now)
        .values(used_at=now)
        .returning(LoginLink.customer_id)
    ).scalar_one_or_none()
    if used is None:
        session.rollback()
        return None
    customer = session.get(Customer, used)
    if customer is not None and customer.verified_at is None:
        customer.verified_at = now
    session.commit()
    return customer
