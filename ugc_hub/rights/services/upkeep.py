"""Upkeep of permissions: proofs uploaded by hand, thank-yous, reminders and expiry, licences ending soon."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ugc_hub.domain.files import sniff
from ugc_hub.models import Post, PostRights, RightsMessage, RightsRequest, Workspace
from ugc_hub.models.base import DbSession
from ugc_hub.rights.services import queue as rights_queue
from ugc_hub.rights.services import state as rights_state
from ugc_hub.rights.services.permissions import open_request_for, request_sent, short_code
from ugc_hub.rights.services.state import RightsError
from ugc_hub.rights.services.templates import current_terms, mark_used, next_template, pin_terms, policy_for, render
from ugc_hub.services import audit, publication
from ugc_hub.services.storage import Storage

MAX_PROOF_BYTES = 20 * 1024 * 1024
#: Every uploaded proof is stored under this prefix; only moderators and above may read it.
PROOF_PREFIX = "rights/"


class ProofRefused(RightsError):
    """The uploaded file is not one the hub keeps as proof; ``code`` names why, for the view to word."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def grant_with_proof(
    session: DbSession,
    *,
    post_id: int,
    data: bytes,
    filename: str,
    note: str,
    storage: Storage,
    actor: audit.Actor,
    now: datetime,
) -> RightsRequest:
    """Grant on an uploaded screenshot or contract (sources with no API): the file's hash goes in the ledger."""
    if not data or len(data) > MAX_PROOF_BYTES:
        raise ProofRefused("proof_size", "the proof must be a file of at most 20 MB")
    kind = sniff(data)
    if kind is None:
        # Checked on the bytes: a name or a browser's type is the uploader's word, and an HTML or
        # script "proof" served from the hub would run with an admin's session.
        raise ProofRefused("proof_type", "the proof must be a JPEG, PNG, GIF or WebP image, or a PDF")
    post = session.get(Post, post_id)
    if post is None or post.author is None:
        raise RightsError("this post has no known author")
    terms = current_terms(session, post.workspace_id)
    if terms is None:
        raise RightsError("publish the terms authors agree to first")
    for stale in session.scalars(
        select(RightsRequest).where(RightsRequest.post_id == post_id, RightsRequest.closed_at.is_(None))
    ):
        rights_state.close(stale, "superseded", now)
    digest = hashlib.sha256(data).hexdigest()
    key = f"{PROOF_PREFIX}proofs/{post_id}/{digest}.{kind.extension}"
    storage.put(key, data, kind.mimetype)
    current = session.get(PostRights, post_id)
    request = RightsRequest(
        post_id=post.id,
        workspace_id=post.workspace_id,
        purpose="renewal" if current is not None and current.state == "granted" else "permission",
        channel="manual_proof",
        language=terms.language,
        hashtag="",
        text=note.strip()[:2000],
        terms_version_id=terms.id,
        short_code=short_code(session),
        author_user_id=post.author.platform_user_id,
        author_handle=post.author.handle,
        requested_at=now,
        requested_by=actor.label[:255],
        expires_at=now,
        proof_key=key,
    )
    session.add(request)
    session.flush()
    pin_terms(terms, now)
    rights_state.grant(
        session,
        request,
        now,
        proof="uploaded file",
        evidence={"file_sha256": digest, "file_name": filename[:200], "note": request.text, "uploaded_by": actor.label},
    )
    audit.record(
        session, actor=actor, action="rights.proof", object_type="post", object_id=post_id, after={"sha256": digest}
    )
    session.commit()
    publication.announce_change([post_id])
    return request


def thank(
    session: DbSession,
    *,
    post_id: int,
    channel: str,
    actor: audit.Actor,
    now: datetime,
    withdraw_link: str = "",
    template_id: int | None = None,
) -> RightsMessage:
    """Queue a thank-you (same send rules as requests); the post counts as thanked once it is sent."""
    if channel not in ("api_reply", "manual_comment", "direct_message"):
        raise RightsError("thank-yous go out as a reply, a comment or a direct message")
    post = session.get(Post, post_id)
    if post is None or post.author is None:
        raise RightsError("this post has no known author to thank")
    template = next_template(
        session,
        workspace_id=post.workspace_id,
        purpose="thanks",
        language=post.language or "en",
        template_id=template_id,
    )
    workspace = session.get(Workspace, post.workspace_id)
    policy = policy_for(session, post.workspace_id)
    text = render(
        template.body,
        {
            "author": "@" + post.author.handle.lstrip("@"),
            "brand": workspace.name if workspace else "",
            "hashtag": policy.approval_hashtag,
            "link": withdraw_link,
            "terms_link": withdraw_link,
        },
    )
    mark_used(template, now)
    message = rights_queue.queue(
        session, post=post, purpose="thanks", channel=channel, text=text, now=now, template_id=template.id
    )
    audit.record(session, actor=actor, action="rights.thank", object_type="post", object_id=post_id)
    session.commit()
    return message


def expire_and_remind(session: DbSession, *, now: datetime) -> tuple[list[int], list[int]]:
    """Expire unanswered requests past their deadline; queue the one reminder for those past the policy's day.

    Returns (expired request ids, reminded request ids).
    """
    expired: list[int] = []
    for request in session.scalars(
        select(RightsRequest).where(RightsRequest.closed_at.is_(None), RightsRequest.expires_at <= now)
    ):
        post = session.get(Post, request.post_id)
        if post is None:
            continue
        rights_state.close(request, "expired", now)
        if request.purpose == "permission":
            rights_state.set_state(session, post.id, "expired", now, request_id=request.id)
        rights_state.record(session, "expired", request, post, now, purpose=request.purpose)
        expired.append(request.id)
    session.commit()
    reminded: list[int] = []
    for request in session.scalars(
        select(RightsRequest).where(
            RightsRequest.closed_at.is_(None),
            RightsRequest.reminded_at.is_(None),
            RightsRequest.channel.in_(("api_reply", "manual_comment", "direct_message")),
        )
    ).all():
        policy = policy_for(session, request.workspace_id)
        if policy.reminder_days is None or now < request.requested_at + timedelta(days=policy.reminder_days):
            continue
        if not request_sent(session, request.id):
            continue  # nobody has seen the request yet: a reminder would be the first message
        post = session.get(Post, request.post_id)
        try:
            template = next_template(
                session, workspace_id=request.workspace_id, purpose="reminder", language=request.language
            )
        except ValueError:
            continue  # no reminder template: the workspace chose not to remind
        if post is None:
            continue
        text = render(
            template.body,
            {
                "author": "@" + request.author_handle.lstrip("@"),
                "hashtag": request.hashtag,
                "brand": "",
                "terms_link": "",
                "link": "",
            },
        )
        mark_used(template, now)
        request.reminded_at = now
        rights_queue.queue(
            session,
            post=post,
            purpose="reminder",
            channel=request.channel,
            text=text,
            now=now,
            request=request,
            template_id=template.id,
        )
        reminded.append(request.id)
    session.commit()
    return expired, reminded


@dataclass(frozen=True)
class ExpiringGrant:
    post_id: int
    licence_end: datetime
    renewal_open: bool


def expiring_grants(
    session: DbSession, *, now: datetime, within: timedelta = timedelta(days=30)
) -> list[ExpiringGrant]:
    """Grants whose licence ends within ``within``, soonest first, and whether a renewal is already asked."""
    rows = session.scalars(
        select(PostRights)
        .where(
            PostRights.state == "granted",
            PostRights.licence_end.is_not(None),
            PostRights.licence_end > now,
            PostRights.licence_end <= now + within,
        )
        .order_by(PostRights.licence_end)
    ).all()
    return [
        ExpiringGrant(r.post_id, r.licence_end, open_request_for(session, r.post_id) is not None)
        for r in rows
        if r.licence_end
    ]
