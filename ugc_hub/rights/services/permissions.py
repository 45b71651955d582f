"""Ask authors for permission, read their answers, and keep the proof.

The public names other parts call: ``request_permission``, ``open_requests``, ``record_reply``,
``decide``, ``revoke`` (and in ``rights_upkeep``: ``grant_with_proof``, ``thank``, ``expire_and_remind``,
``expiring_grants``).
Each commits, appends its ledger events in the same transaction, then (when what the public sees may
change) calls ``publication.announce_change``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError

from ugc_hub.models import OwnershipCode, Post, PostRights, RightsMessage, RightsReply, RightsRequest, Workspace
from ugc_hub.models.base import DbSession
from ugc_hub.rights.rules.replies import AskedPost, Judgement, Reply, Verdict, judge
from ugc_hub.rights.services import codes as rights_codes
from ugc_hub.rights.services import queue as rights_queue
from ugc_hub.rights.services import state as rights_state
from ugc_hub.rights.services.state import RightsError
from ugc_hub.rights.services.templates import current_terms, mark_used, next_template, pin_terms, policy_for, render
from ugc_hub.services import audit, publication

__all__ = [
    "OpenRequest",
    "RightsError",
    "decide",
    "open_request_for",
    "open_requests",
    "record_reply",
    "request_permission",
    "revoke",
]

SENDING_CHANNELS = ("api_reply", "manual_comment", "direct_message", "terms_page")
COMMENT_CHANNELS = ("api_reply", "manual_comment")


@dataclass(frozen=True)
class OpenRequest:
    """A request whose thread the reply sync should read."""

    request_id: int
    post_id: int
    source_id: int | None
    asked: AskedPost


def short_code(session: DbSession) -> str:
    while True:
        code = secrets.token_urlsafe(6)
        if not session.scalar(select(exists().where(RightsRequest.short_code == code))):
            return code


def open_request_for(session: DbSession, post_id: int) -> RightsRequest | None:
    return session.scalar(
        select(RightsRequest)
        .where(RightsRequest.post_id == post_id, RightsRequest.closed_at.is_(None))
        .order_by(RightsRequest.id.desc())
    )


def request_permission(
    session: DbSession,
    *,
    post_id: int,
    channel: str,
    actor: audit.Actor,
    now: datetime,
    terms_link: Callable[[str], str],
    approval_link: Callable[[RightsRequest], str] | None = None,
    template_id: int | None = None,
    language: str | None = None,
    hashtag: str | None = None,
) -> RightsRequest:
    """Ask a post's author: pick (or rotate) a template, fill it, pin the current terms, queue the message.

    ``terms_link(short_code)`` builds the short link to the hosted terms page; ``approval_link`` the
    signed approve link that a direct message may carry (``{link}``). ``hashtag`` overrides the
    workspace's approval hashtag (a campaign's own). A post that is granted gets a renewal request.
    """
    if channel not in SENDING_CHANNELS:
        raise RightsError(f"channel must be one of {', '.join(SENDING_CHANNELS)}")
    post = session.get(Post, post_id)
    if post is None:
        raise RightsError(f"no post {post_id}")
    if post.author is None:
        raise RightsError("this post has no known author to ask or to credit")
    if open_request_for(session, post_id) is not None:
        raise RightsError("a request for this post is already open")
    policy = policy_for(session, post.workspace_id)
    terms = current_terms(session, post.workspace_id)
    if terms is None:
        raise RightsError("publish the terms authors agree to first")
    language = language or post.language or terms.language
    template = next_template(
        session, workspace_id=post.workspace_id, purpose="request", language=language, template_id=template_id
    )
    current = session.get(PostRights, post_id)
    purpose = "renewal" if current is not None and current.state == "granted" else "permission"
    request = RightsRequest(
        post_id=post.id,
        workspace_id=post.workspace_id,
        purpose=purpose,
        channel=channel,
        template_id=template.id,
        language=template.language,
        hashtag=(hashtag or policy.approval_hashtag).strip(),
        text="",
        terms_version_id=terms.id,
        short_code=short_code(session),
        author_user_id=post.author.platform_user_id,
        author_handle=post.author.handle,
        requested_at=now,
        requested_by=actor.label[:255],
        expires_at=now + timedelta(days=policy.request_days),
    )
    session.add(request)
    session.flush()
    workspace = session.get(Workspace, post.workspace_id)
    request.text = render(
        template.body,
        {
            "author": "@" + post.author.handle.lstrip("@"),
            "hashtag": request.hashtag,
            "terms_link": terms_link(request.short_code),
            "brand": workspace.name if workspace else "",
            "link": approval_link(request) if approval_link else terms_link(request.short_code),
        },
    )
    pin_terms(terms, now)
    mark_used(template, now)
    if purpose == "permission":
        rights_state.set_state(
            session, post.id, "requested", now, request_id=request.id, licence_start=None, licence_end=None
        )
    message = rights_queue.queue(
        session,
        post=post,
        purpose="request",
        channel=channel,
        text=request.text,
        now=now,
        request=request,
        template_id=template.id,
    )
    rights_state.record(
        session,
        "requested",
        request,
        post,
        now,
        purpose=purpose,
        channel=channel,
        template_id=template.id,
        language=request.language,
        hashtag=request.hashtag,
        request_text=request.text,
        terms=rights_state.terms_facts(terms),
        requested_by=actor.label,
        expires_at=request.expires_at,
        message_id=message.id,
    )
    audit.record(
        session,
        actor=actor,
        action="rights.request",
        object_type="post",
        object_id=post.id,
        after={"request_id": request.id, "channel": channel},
    )
    session.commit()
    return request


def _asked(session: DbSession, request: RightsRequest, post: Post) -> AskedPost:
    sent = session.scalar(
        select(RightsMessage.sent_at).where(
            RightsMessage.request_id == request.id, RightsMessage.purpose == "request", RightsMessage.status == "sent"
        )
    )
    return AskedPost(
        platform=post.platform,
        post_platform_id=post.platform_id,
        author_user_id=request.author_user_id,
        author_handle=request.author_handle,
        hashtag=request.hashtag,
        requested_at=sent or request.requested_at,
        request_comment_id=request.request_comment_id,
    )


def request_sent(session: DbSession, request_id: int) -> bool:
    return (
        session.scalar(
            select(
                exists().where(
                    RightsMessage.request_id == request_id,
                    RightsMessage.purpose == "request",
                    RightsMessage.status == "sent",
                )
            )
        )
        is True
    )


def open_requests(session: DbSession, *, now: datetime, platform: str | None = None) -> list[OpenRequest]:
    """Requests whose replies should be read: open and unexpired, or waiting for a one-time code.

    A request meant to be posted as a comment counts only once it is posted: until then the author
    has not been asked, and a hashtag they happen to write cannot be an answer.
    """
    pending_code = exists().where(
        OwnershipCode.request_id == RightsRequest.id, OwnershipCode.used_at.is_(None), OwnershipCode.expires_at > now
    )
    comment_posted = exists().where(
        RightsMessage.request_id == RightsRequest.id, RightsMessage.purpose == "request", RightsMessage.status == "sent"
    )
    asked = RightsRequest.channel.not_in(COMMENT_CHANNELS) | comment_posted
    query = (
        select(RightsRequest, Post)
        .join(Post, Post.id == RightsRequest.post_id)
        .where(or_(RightsRequest.closed_at.is_(None) & (RightsRequest.expires_at > now) & asked, pending_code))
        .order_by(RightsRequest.id)
    )
    if platform is not None:
        query = query.where(Post.platform == platform)
    return [
        OpenRequest(request_id=req.id, post_id=post.id, source_id=post.source_id, asked=_asked(session, req, post))
        for req, post in session.execute(query).all()
    ]


def _reply_facts(reply: Reply) -> dict[str, object]:
    return {
        "platform": reply.platform,
        "reply_id": reply.reply_id,
        "thread_id": reply.thread_id,
        "parent_id": reply.parent_id,
        "author_user_id": reply.author_user_id,
        "author_handle": reply.author_handle,
        "text": reply.text,
        "created_at": reply.created_at,
        "edited_at": reply.edited_at,
        "permalink": reply.permalink,
    }


def record_reply(session: DbSession, request_id: int, reply: Reply, *, now: datetime) -> Judgement:
    """Judge a reply read under a requested post, keep it, and move the state; idempotent per ``reply_id``.

    grants → granted (licence window, terms pinned); the author without the hashtag → author_replied for
    a person to decide, unless the reply carries a one-time code from the terms page (approve or
    withdraw); anyone else → nothing changes.
    """
    seen = session.scalar(
        select(RightsReply).where(RightsReply.request_id == request_id, RightsReply.reply_id == reply.reply_id)
    )
    if seen is not None:
        return Judgement(Verdict(seen.verdict), seen.reason)
    request = session.get(RightsRequest, request_id)
    if request is None:
        raise RightsError(f"no request {request_id}")
    post = session.get(Post, request.post_id)
    if post is None:
        raise RightsError(f"post {request.post_id} no longer exists")
    judgement = judge(reply, _asked(session, request, post))
    announce = False
    if judgement.verdict is not Verdict.IGNORED:
        # A code proves the web visitor owns the handle only in a reply the platform attributes to the
        # author's account id; a handle match alone (no id) is left to a person.
        verified = reply.author_user_id is not None and reply.author_user_id == request.author_user_id
        code = rights_codes.match_code(session, request.id, reply.text, now) if verified else None
        evidence = {"reply": _reply_facts(reply), "judgement": judgement.reason}
        if code is not None and code.purpose == "withdraw":
            code.used_at = now
            announce = rights_state.revoke(
                session,
                post,
                now,
                by="author (one-time code)",
                evidence={**evidence, "code": rights_codes.code_facts(code)},
            )
            judgement = Judgement(Verdict.AUTHOR_REPLIED, "the author posted a withdrawal code: permission revoked")
        elif request.closed_at is not None:
            judgement = Judgement(Verdict.IGNORED, f"the request is closed ({request.outcome})")
        elif judgement.verdict is Verdict.GRANTS or (code is not None and code.purpose == "approve"):
            if code is not None:
                code.used_at = now
                evidence["code"] = rights_codes.code_facts(code)
                judgement = Judgement(Verdict.GRANTS, judgement.reason + "; one-time code from the terms page")
            rights_state.grant(session, request, now, proof="reply", evidence=evidence)
            announce = True
        else:
            if request.purpose == "permission":
                rights_state.set_state(session, post.id, "author_replied", now, request_id=request.id)
            rights_state.record(session, "author_replied", request, post, now, evidence=evidence)
    session.add(
        RightsReply(
            request_id=request.id,
            platform=reply.platform,
            reply_id=reply.reply_id[:255],
            author_user_id=reply.author_user_id,
            author_handle=reply.author_handle[:255],
            text=reply.text,
            permalink=reply.permalink,
            created_at=reply.created_at,
            verdict=judgement.verdict.value,
            reason=judgement.reason,
            recorded_at=now,
        )
    )
    try:
        session.commit()
    except IntegrityError:  # the same reply recorded by a concurrent sync: its outcome stands
        session.rollback()
        return record_reply(session, request_id, reply, now=now)
    if announce:
        publication.announce_change([post.id])
    return judgement


def decide(session: DbSession, *, request_id: int, grant: bool, actor: audit.Actor, now: datetime) -> None:
    """A person's decision on an open request; granting needs a reply by the author to rest on."""
    request = session.get(RightsRequest, request_id)
    if request is None or request.closed_at is not None:
        raise RightsError("this request is not open")
    replies = session.scalars(
        select(RightsReply).where(RightsReply.request_id == request_id, RightsReply.verdict != Verdict.IGNORED.value)
    ).all()
    evidence = {"decided_by": actor.label, "author_replies": [r.reply_id for r in replies]}
    if grant:
        if not replies:
            raise RightsError("no reply by the author to grant on; upload a proof instead")
        rights_state.grant(session, request, now, proof="staff decision on the author's reply", evidence=evidence)
    else:
        rights_state.decline(session, request, now, by=actor.label, evidence=evidence)
    audit.record(
        session,
        actor=actor,
        action="rights." + ("grant" if grant else "decline"),
        object_type="post",
        object_id=request.post_id,
    )
    session.commit()
    publication.announce_change([request.post_id])


def revoke(session: DbSession, *, post_id: int, actor: audit.Actor, now: datetime, reason: str = "") -> bool:
    """The manager ends a grant now; open renewal requests close with it."""
    post = session.get(Post, post_id)
    if post is None:
        raise RightsError(f"no post {post_id}")
    changed = rights_state.revoke(session, post, now, by=actor.label, evidence={"reason": reason.strip()[:500]})
    if not changed:
        raise RightsError("this post is not granted")
    audit.record(session, actor=actor, action="rights.revoke", object_type="post", object_id=post_id)
    session.commit()
    publication.announce_change([post_id])
    return True
