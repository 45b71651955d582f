"""Staff accounts: creation, password checks (Argon2) and roles."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from ugc_hub.models import ROLES, User
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.services import audit

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()
# Verifying against this keeps unknown e-mails as slow as wrong passwords (no account probing by timing).
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


class UserError(ValueError):
    """A staff account request that cannot be done; the message is for a person."""


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def create_user(
    session: DbSession, *, email: str, password: str, role: str = "viewer", name: str = "", actor: audit.Actor
) -> User:
    """Create a staff account; refuses weak passwords, unknown roles and taken e-mails."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 255:
        raise UserError("a valid e-mail address is required")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise UserError(f"an account for {email} already exists")
    user = User(email=email, name=name.strip(), role=role, password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id,
        after={"email": email, "role": role},
    )
    session.commit()
    return user


def authenticate(session: DbSession, email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None; rehashes outdated hashes."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    session.commit()
    return user


def set_locale(session: DbSession, user: User, locale: str, languages: list[str]) -> None:
    if locale not in languages:
        raise UserError(f"language must be one of {', '.join(languages)}")
    user.locale = locale
    session.commit()
