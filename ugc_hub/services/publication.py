"""The public gate in SQL: the only query through which posts reach a public surface.

It mirrors ``ugc_hub.domain.publication.may_show`` clause for clause; ``tests/test_publication_gate.py``
checks with random data that both always agree. Public surfaces select through ``public_posts_select``
and render with ``PublicPost``, which always carries the "@author" credit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from blinker import Namespace
from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.sql import Select

from ugc_hub.domain.publication import GRANTED, PublicationFacts, may_show
from ugc_hub.models import Author, Post, PostRights
from ugc_hub.models.base import DbSession

_signals = Namespace()
# Sent after a commit that may change what the gate lets through (moderation, rights, erasure), with
# ``post_ids``; published snapshots (the gallery) subscribe and rebuild what contains those posts.
visibility_changed = _signals.signal("visibility-changed")


def announce_change(post_ids: Sequence[int]) -> None:
    """Tell subscribers that these posts may have appeared on or left the public surfaces; call after commit."""
    if post_ids:
        visibility_changed.send("publication", post_ids=list(post_ids))


def shown_clause(now: datetime, *, allow_nsfw: bool = False) -> ColumnElement[bool]:
    """The SQL twin of ``may_show``; valid in a query that joins ``Post`` with ``PostRights``."""
    return and_(
        true() if allow_nsfw else Post.nsfw.is_(False),
        Post.moderation_status == "approved",
        Post.author_id.is_not(None),
        PostRights.state == GRANTED,
        PostRights.granted_author_id == Post.author_id,
        PostRights.licence_start.is_not(None),
        PostRights.licence_start <= now,
        or_(PostRights.licence_end.is_(None), PostRights.licence_end > now),
        Post.removed_on_platform_at.is_(None),
    )


def public_posts_select(now: datetime, *, workspace_id: int | None = None, allow_nsfw: bool = False) -> Select[Post]:
    """Posts that may be shown at ``now``; callers add their own filters and order."""
    query = select(Post).join(PostRights, PostRights.post_id == Post.id).where(shown_clause(now, allow_nsfw=allow_nsfw))
    if workspace_id is not None:
        query = query.where(Post.workspace_id == workspace_id)
    return query


def is_shown(session: DbSession, post_id: int, now: datetime, *, allow_nsfw: bool = False) -> bool:
    """Whether one post may be shown now, asked through the same query every public surface uses."""
    query = public_posts_select(now, allow_nsfw=allow_nsfw).where(Post.id == post_id).with_only_columns(Post.id)
    return session.execute(query).first() is not None


def facts_of(post: Post, rights: PostRights | None) -> PublicationFacts:
    return PublicationFacts(
        moderation_status=post.moderation_status,
        has_author=post.author_id is not None,
        rights_state=rights.state if rights else None,
        licence_start=rights.licence_start if rights else None,
        licence_end=rights.licence_end if rights else None,
        granted_by_author=rights is not None
        and rights.granted_author_id is not None
        and rights.granted_author_id == post.author_id,
        removed_on_platform=post.removed_on_platform_at is not None,
        nsfw=bool(post.nsfw),
    )


def check(post: Post, rights: PostRights | None, now: datetime, *, allow_nsfw: bool = False) -> bool:
    """The domain rule applied to loaded rows (for code that already holds them)."""
    return may_show(facts_of(post, rights), now, allow_nsfw=allow_nsfw)


@dataclass(frozen=True)
class PublicPost:
    """What a public surface may know about a post: content, and the credit it must display."""

    id: int
    platform: str
    text: str
    media: list[dict[str, Any]]
    permalink: str | None
    posted_at: datetime
    author_handle: str
    author_profile_url: str | None
    metrics: dict[str, int]

    @property
    def credit(self) -> str:
        return f"@{self.author_handle.lstrip('@')}"


def to_public(post: Post) -> PublicPost:
    author: Author | None = post.author
    if author is None:  # the gate never lets such a post through
        raise ValueError(f"post {post.id} has no author to credit")
    return PublicPost(
        id=post.id,
        platform=post.platform,
        text=post.text,
        media=list(post.media or []),
        permalink=post.permalink,
        posted_at=post.posted_at,
        author_handle=author.handle,
        author_profile_url=author.profile_url,
        metrics=dict(post.metrics or {}),
    )


def public_posts(
    session: DbSession,
    now: datetime,
    *,
    workspace_id: int | None = None,
    post_ids: Sequence[int] | None = None,
    allow_nsfw: bool = False,
) -> list[PublicPost]:
    """Shown posts, newest first, as public records."""
    query = public_posts_select(now, workspace_id=workspace_id, allow_nsfw=allow_nsfw).order_by(
        Post.posted_at.desc(), Post.id.desc()
    )
    if post_ids is not None:
        query = query.where(Post.id.in_(list(post_ids)))
    return [to_public(p) for p in session.scalars(query)]
