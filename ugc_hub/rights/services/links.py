"""Signed links for authors, who have no account: approve or decline a request, withdraw a grant.

itsdangerous signs ``{request, post, nonce}`` with the app's secret and a salt per purpose, so an
approve link can never act as a withdraw link. Each link works once (its nonce is stored when used)
and only within its lifetime; tampered, expired and replayed links are refused with a reason.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from ugc_hub.models import Post, PostRights, RightsRequest, UsedLink
from ugc_hub.models.base import DbSession
from ugc_hub.rights.services import state as rights_state
from ugc_hub.services import publication

PURPOSES = ("approve", "withdraw")


class LinkRefused(Exception):
    """A link that cannot be used; ``reason`` is tampered, expired, used or closed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LinkClaims:
    purpose: str
    request_id: int
    post_id: int
    nonce: str


def _serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}")
    return URLSafeTimedSerializer(secret, salt=f"ugc-hub.rights.{purpose}")


def make_token(secret: str, *, purpose: str, request_id: int, post_id: int) -> str:
    return str(_serializer(secret, purpose).dumps({"r": request_id, "p": post_id, "n": secrets.token_urlsafe(16)}))


def read_token(secret: str, token: str, *, purpose: str, max_age_seconds: int) -> LinkClaims:
    """The claims of a genuine, unexpired link (not yet checked for reuse)."""
    try:
        data = _serializer(secret, purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise LinkRefused("expired") from exc
    except BadSignature as exc:
        raise LinkRefused("tampered") from exc
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), t) for k, t in (("r", int), ("p", int), ("n", str))
    ):
        raise LinkRefused("tampered")
    return LinkClaims(purpose, data["r"], data["p"], data["n"])


def _unused(session: DbSession, claims: LinkClaims) -> None:
    if session.get(UsedLink, claims.nonce) is not None:
        raise LinkRefused("used")


def _consume(session: DbSession, claims: LinkClaims, now: datetime) -> None:
    session.add(UsedLink(nonce=claims.nonce, purpose=claims.purpose, used_at=now))
    try:
        session.flush()
    except IntegrityError as exc:  # two clicks at once: only the first one acts
        session.rollback()
        raise LinkRefused("used") from exc


def _web(ip: str | None, user_agent: str | None, now: datetime, claims: LinkClaims) -> dict[str, Any]:
    return {
        "accepted_at": now,
        "ip": (ip or "")[:64] or None,
        "user_agent": (user_agent or "")[:400] or None,
        "link_nonce": claims.nonce,
    }


def request_for_approval(session: DbSession, claims: LinkClaims) -> RightsRequest:
    """The open request an approve link speaks of; refused when used, closed or not matching."""
    _unused(session, claims)
    request = session.get(RightsRequest, claims.request_id)
    if request is None or request.post_id != claims.post_id:
        raise LinkRefused("tampered")
    if request.closed_at is not None:
        raise LinkRefused("closed")
    return request


def answer_by_link(
    session: DbSession,
    *,
    claims: LinkClaims,
    approve: bool,
    ip: str | None,
    user_agent: str | None,
    now: datetime,
) -> RightsRequest:
    """The author approves or declines on the terms page through their signed link (used up)."""
    request = request_for_approval(session, claims)
    if request.expires_at <= now:
        raise LinkRefused("expired")
    _consume(session, claims, now)
    evidence = {"web": _web(ip, user_agent, now, claims)}
    if approve:
        rights_state.grant(session, request, now, proof="signed link on the terms page", evidence=evidence)
    else:
        rights_state.decline(session, request, now, by="author (signed link)", evidence=evidence)
    session.commit()
    publication.announce_change([request.post_id])
    return request


def grant_for_withdrawal(session: DbSession, claims: LinkClaims) -> Post:
    """The granted post a withdraw link speaks of; refused when used or no longer granted."""
    _unused(session, claims)
    post = session.get(Post, claims.post_id)
    rights = session.get(PostRights, claims.post_id)
    if post is None or rights is None:
        raise LinkRefused("closed")
    if rights.state != "granted":
        raise LinkRefused("closed")
    return post


def withdraw_by_link(
    session: DbSession, *, claims: LinkClaims, ip: str | None, user_agent: str | None, now: datetime
) -> Post:
    """The author withdraws their permission: the grant is revoked now, the post leaves every public surface."""
    post = grant_for_withdrawal(session, claims)
    _consume(session, claims, now)
    rights_state.revoke(
        session, post, now, by="author (signed withdrawal link)", evidence={"web": _web(ip, user_agent, now, claims)}
    )
    session.commit()
    publication.announce_change([post.id])
    return post
