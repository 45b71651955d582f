"""API tokens: shown once, stored as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from ugc_hub.models import ApiToken, User
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.services import audit

TOKEN_PREFIX = "ugc_"  # noqa: S105 - a public marker, not a secret


def _digest(secret: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: DbSession, *, user: User, name: str, actor: audit.Actor) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it with the secret, which is never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name.strip()[:200] or "token", prefix=secret[:10], token_hash=_digest(secret)
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="token.create",
        object_type="api_token",
        object_id=token.id,
        after={"name": token.name, "user_id": user.id, "prefix": token.prefix},
    )
    session.commit()
    return token, secret


def resolve_token(session: DbSession, secret: str) -> User | None:
    """Return the active user behind a live token, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    session.commit()
    return token.user


def revoke_token(session: DbSession, *, token_id: int, actor: audit.Actor, owner: User | None = None) -> ApiToken:
    """Revoke a token; with ``owner`` given, only that user's own token."""
    token = session.get(ApiToken, token_id)
    if token is None or (owner is not None and token.user_id != owner.id):
        raise LookupError("no such token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="token.revoke",
            object_type="api_token",
            object_id=token.id,
            before={"revoked": False},
            after={"revoked": True},
        )
        session.commit()
    return token
