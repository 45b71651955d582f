"""The read side the rights pages show: the work waiting overall, and one post's whole history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ugc_hub.models.base import DbSession
from ugc_hub.rights.models import (
    ConsentEvent,
    MessageTemplate,
    PostRights,
    RightsMessage,
    RightsReply,
    RightsRequest,
    TermsVersion,
)
from ugc_hub.rights.services import queue as rights_queue

#: How many rows each list of the overview shows at most.
OVERVIEW_LIMIT = 200


@dataclass(frozen=True)
class Overview:
    waiting: Sequence[RightsMessage]
    to_decide: Sequence[RightsRequest]
    open_requests: Sequence[RightsRequest]
    author_changed: Sequence[PostRights]


@dataclass(frozen=True)
class PostHistory:
    state: PostRights | None
    terms: TermsVersion | None
    requests: Sequence[RightsRequest]
    replies: Sequence[RightsReply]
    messages: Sequence[RightsMessage]
    events: Sequence[ConsentEvent]
    thanked_at: datetime | None


def overview(session: DbSession) -> Overview:
    """Read the messages to send or post by hand, the replies to decide, the open requests and changed authors."""
    waiting = session.scalars(
        select(RightsMessage)
        .where(RightsMessage.status.in_(("queued", "awaiting_manual", "failed")))
        .order_by(RightsMessage.queued_at)
        .limit(OVERVIEW_LIMIT)
    ).all()
    to_decide = session.scalars(
        select(RightsRequest)
        .join(PostRights, PostRights.request_id == RightsRequest.id)
        .where(PostRights.state == "author_replied", RightsRequest.closed_at.is_(None))
        .order_by(RightsRequest.requested_at)
    ).all()
    open_requests = session.scalars(
        select(RightsRequest)
        .where(RightsRequest.closed_at.is_(None))
        .order_by(RightsRequest.expires_at)
        .limit(OVERVIEW_LIMIT)
    ).all()
    author_changed = session.scalars(
        select(PostRights)
        .where(PostRights.state == "author_changed")
        .order_by(PostRights.updated_at)
        .limit(OVERVIEW_LIMIT)
    ).all()
    return Overview(waiting=waiting, to_decide=to_decide, open_requests=open_requests, author_changed=author_changed)


def post_history(session: DbSession, post_id: int) -> PostHistory:
    """Read where one post stands: its rights, pinned terms, requests, replies, messages and ledger events."""
    state = session.get(PostRights, post_id)
    requests = session.scalars(
        select(RightsRequest).where(RightsRequest.post_id == post_id).order_by(RightsRequest.id.desc())
    ).all()
    request_ids = [r.id for r in requests]
    replies = (
        session.scalars(
            select(RightsReply).where(RightsReply.request_id.in_(request_ids)).order_by(RightsReply.created_at)
        ).all()
        if request_ids
        else []
    )
    messages = session.scalars(
        select(RightsMessage).where(RightsMessage.post_id == post_id).order_by(RightsMessage.id.desc())
    ).all()
    events = session.scalars(
        select(ConsentEvent).where(ConsentEvent.post_id == post_id).order_by(ConsentEvent.seq)
    ).all()
    terms = session.get(TermsVersion, state.terms_version_id) if state and state.terms_version_id else None
    return PostHistory(
        state=state,
        terms=terms,
        requests=requests,
        replies=replies,
        messages=messages,
        events=events,
        thanked_at=rights_queue.thanked_at(session, post_id),
    )


def request_templates(session: DbSession, workspace_id: int) -> Sequence[MessageTemplate]:
    """Read the workspace's active request templates, the choices of the request form."""
    return session.scalars(
        select(MessageTemplate).where(
            MessageTemplate.workspace_id == workspace_id,
            MessageTemplate.purpose == "request",
            MessageTemplate.active,
        )
    ).all()
