"""Moves of a post's rights state, each with its ledger event; callers commit, then announce the change.

requested → granted | declined | expired | author_replied; author_replied → granted | declined;
granted → revoked. A renewal request never hides a post that is still granted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ugc_hub.models import Post, PostRights, RightsRequest, TermsVersion
from ugc_hub.models.base import DbSession
from ugc_hub.rights.services import consent_ledger
from ugc_hub.rights.services.templates import policy_for


class RightsError(ValueError):
    """An action the rights workflow refuses; the message is for the person."""


def post_facts(post: Post) -> dict[str, Any]:
    return {"id": post.id, "platform": post.platform, "platform_id": post.platform_id, "permalink": post.permalink}


def author_facts(post: Post) -> dict[str, Any] | None:
    author = post.author
    if author is None:
        return None
    return {
        "id": author.id,
        "platform_user_id": author.platform_user_id,
        "handle": author.handle,
        "profile_url": author.profile_url,
    }


def terms_facts(terms: TermsVersion | None) -> dict[str, Any] | None:
    if terms is None:
        return None
    return {"id": terms.id, "version": terms.version, "language": terms.language, "body_hash": terms.body_hash}


def rights_of(session: DbSession, post_id: int) -> PostRights | None:
    return session.get(PostRights, post_id)


def set_state(session: DbSession, post_id: int, state: str, now: datetime, **fields: Any) -> PostRights:
    rights = session.get(PostRights, post_id)
    if rights is None:
        rights = PostRights(post_id=post_id, state=state, updated_at=now)
        session.add(rights)
    rights.state, rights.updated_at = state, now
    for name, value in fields.items():
        setattr(rights, name, value)
    return rights


def record(
    session: DbSession, kind: str, request: RightsRequest | None, post: Post, now: datetime, **payload: Any
) -> None:
    """Append a ledger event about ``post`` (and ``request``), naming the post and its author."""
    consent_ledger.append(
        session,
        kind=kind,
        payload={
            "post": post_facts(post),
            "author": author_facts(post),
            "request_id": request.id if request else None,
            **payload,
        },
        post_id=post.id,
        request_id=request.id if request else None,
        author_id=post.author_id,
        workspace_id=post.workspace_id,
        at=now,
    )


def close(request: RightsRequest, outcome: str, now: datetime) -> None:
    request.closed_at, request.outcome = now, outcome


def grant(
    session: DbSession, request: RightsRequest, now: datetime, *, proof: str, evidence: dict[str, Any]
) -> PostRights:
    """Grant the post under the request's pinned terms, for the workspace's licence length (or open-ended).

    A renewal extends the window from the current end (or from now when it already ended).
    """
    post = session.get(Post, request.post_id)
    if post is None:
        raise RightsError(f"post {request.post_id} no longer exists")
    terms = session.get(TermsVersion, request.terms_version_id)
    policy = policy_for(session, request.workspace_id)
    current = session.get(PostRights, post.id)
    start = now
    if request.purpose == "renewal" and current is not None and current.state == "granted" and current.licence_start:
        start = current.licence_start
    base = now
    if request.purpose == "renewal" and current is not None and current.licence_end and current.licence_end > now:
        base = current.licence_end
    end = base + timedelta(days=policy.licence_days) if policy.licence_days else None
    rights = set_state(
        session,
        post.id,
        "granted",
        now,
        licence_start=start,
        licence_end=end,
        terms_version_id=request.terms_version_id,
        granted_at=now,
        request_id=request.id,
        granted_author_id=post.author_id,
    )
    close(request, "granted", now)
    record(
        session,
        "granted",
        request,
        post,
        now,
        proof=proof,
        channel=request.channel,
        request_text=request.text,
        hashtag=request.hashtag,
        terms=terms_facts(terms),
        licence={"start": start, "end": end},
        purpose=request.purpose,
        evidence=evidence,
    )
    return rights


def decline(session: DbSession, request: RightsRequest, now: datetime, *, by: str, evidence: dict[str, Any]) -> None:
    post = session.get(Post, request.post_id)
    if post is None:
        raise RightsError(f"post {request.post_id} no longer exists")
    close(request, "declined", now)
    if request.purpose == "permission":
        set_state(session, post.id, "declined", now, request_id=request.id)
    record(session, "declined", request, post, now, by=by, purpose=request.purpose, evidence=evidence)


def revoke(session: DbSession, post: Post, now: datetime, *, by: str, evidence: dict[str, Any]) -> bool:
    """Revoke a grant (the licence ends now, open requests close); False when the post was not granted."""
    rights = session.get(PostRights, post.id)
    if rights is None or rights.state != "granted":
        return False
    rights.state, rights.updated_at = "revoked", now
    if rights.licence_end is None or rights.licence_end > now:
        rights.licence_end = now
    record(session, "revoked", None, post, now, by=by, evidence=evidence, request_of_grant=rights.request_id)
    for request in session.scalars(
        select(RightsRequest).where(RightsRequest.post_id == post.id, RightsRequest.closed_at.is_(None))
    ):
        close(request, "revoked", now)  # an open renewal ends with the grant
    return True
