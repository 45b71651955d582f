"""Helpers for rights tests: a workspace ready to ask (terms, templates, hashtag), posts, replies, signals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.test_ingest import make_post
from ugc_hub.models import Post, RightsRequest, db
from ugc_hub.rights.rules.replies import Reply
from ugc_hub.rights.services import permissions as rights
from ugc_hub.rights.services import templates as rights_templates
from ugc_hub.services import audit, publication
from ugc_hub.services.ingest import ingest_posts

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HASHTAG = "#YesLumen"
TERMS_TEXT = "You grant Lumen Outdoor a licence to show your post on its website.\n\nYou may withdraw at any time."
ADMIN = audit.Actor(type="user", id=None, label="admin@example.com")


def prepare(workspace_id: int, *, licence_days: int | None = 365) -> int:
    """Hashtag, delays, terms version 1 and templates (two requests, a reminder, a thank-you); returns the terms id."""
    rights_templates.update_policy(
        db.session,
        workspace_id=workspace_id,
        approval_hashtag=HASHTAG,
        request_days=14,
        reminder_days=7,
        licence_days=licence_days,
        actor=ADMIN,
    )
    terms = rights_templates.publish_terms(
        db.session, workspace_id=workspace_id, title="Terms of use", body=TERMS_TEXT, language="en", actor=ADMIN
    )
    for name, body in (
        ("first", "Love this {author}! May we share it on our site? Reply {hashtag} to agree: {terms_link}"),
        ("second", "{author}, great shot. Reply {hashtag} if we may feature it ({terms_link})."),
    ):
        rights_templates.add_template(
            db.session, workspace_id=workspace_id, purpose="request", language="en", name=name, body=body, actor=ADMIN
        )
    rights_templates.add_template(
        db.session,
        workspace_id=workspace_id,
        purpose="reminder",
        language="en",
        name="reminder",
        body="{author}, just checking: reply {hashtag} if we may share your post.",
        actor=ADMIN,
    )
    rights_templates.add_template(
        db.session,
        workspace_id=workspace_id,
        purpose="thanks",
        language="en",
        name="thanks",
        body="Thank you {author}! Change your mind any time: {link}",
        actor=ADMIN,
    )
    return terms.id


def add_post(workspace_id: int, n: int = 1, *, approved: bool = True, **changes: Any) -> Post:
    ingest_posts(db.session, [make_post(n, **changes)], workspace_id=workspace_id)
    post = db.session.scalar(select(Post).where(Post.platform_id == changes.get("platform_id", f"sc{n}")))
    assert post is not None
    if approved:
        post.moderation_status = "approved"
        db.session.commit()
    return post


def ask(post_id: int, *, channel: str = "manual_comment", now: datetime = NOW, **kwargs: Any) -> RightsRequest:
    return rights.request_permission(
        db.session,
        post_id=post_id,
        channel=channel,
        actor=ADMIN,
        now=now,
        terms_link=lambda code: f"https://hub.example/t/{code}",
        **kwargs,
    )


def reply_to(
    request: RightsRequest,
    text: str,
    *,
    reply_id: str = "c1",
    at: datetime = NOW + timedelta(hours=1),
    user_id: str | None = "same",
    handle: str | None = None,
    edited_at: datetime | None = None,
) -> Reply:
    """A reply under the requested post; by default written by its author (same account id)."""
    post = db.session.get(Post, request.post_id)
    assert post is not None
    return Reply(
        platform=post.platform,
        reply_id=reply_id,
        thread_id=post.platform_id,
        parent_id=None,
        author_user_id=request.author_user_id if user_id == "same" else user_id,
        author_handle=handle or request.author_handle,
        text=text,
        created_at=at,
        edited_at=edited_at,
        permalink=f"https://www.instagram.com/p/{post.platform_id}/c/{reply_id}/",
        raw={},
    )


@dataclass
class Announced:
    post_ids: list[int] = field(default_factory=list)


@contextmanager
def announcements() -> Iterator[Announced]:
    """Collect the post ids sent with ``publication.visibility_changed`` while the block runs."""
    seen = Announced()

    def listener(sender: object, post_ids: list[int]) -> None:
        seen.post_ids.extend(post_ids)

    publication.visibility_changed.connect(listener)
    try:
        yield seen
    finally:
        publication.visibility_changed.disconnect(listener)
