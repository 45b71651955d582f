"""Authors, posts and their hashtags."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ugc_hub.models.base import JSONType, UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from ugc_hub.models.sentiment import PostSentiment

MODERATION_STATUSES = ("new", "approved", "rejected", "removed")


class Author(db.Model):  # type: ignore[name-defined]
    """Someone who posted. ``platform_key`` is the platform's user id, or ``@handle`` when it gives none."""

    __tablename__ = "authors"
    __table_args__ = (UniqueConstraint("platform", "platform_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    platform_key: Mapped[str] = mapped_column(String(255))
    platform_user_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    handle: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    profile_url: Mapped[str | None] = mapped_column(Text, nullable=True)


class Post(db.Model):  # type: ignore[name-defined]
    """One piece of customer content, as collected; ``raw`` keeps the platform payload verbatim."""

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("platform", "platform_id"),
        Index("ix_posts_posted_at_id", "posted_at", "id"),
        Index("ix_posts_status_posted_at_id", "moderation_status", "posted_at", "id"),
        Index("ix_posts_source_posted_at_id", "source_id", "posted_at", "id"),
        Index("ix_posts_language_posted_at_id", "language", "posted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"), nullable=True)
    platform: Mapped[str] = mapped_column(String(32))
    platform_id: Mapped[str] = mapped_column(String(255))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("authors.id", ondelete="SET NULL"), nullable=True)
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    media: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    permalink: Mapped[str | None] = mapped_column(Text, nullable=True)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    metrics: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    rating: Mapped[float | None] = mapped_column(Float, nullable=True)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: Marked adult by the platform (Reddit's ``over_18``); never public unless a gallery opts in.
    nsfw: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Moderation is its own column: rights, sentiment and contests keep their own state elsewhere.
    moderation_status: Mapped[str] = mapped_column(String(16), default="new")
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    # Set by the scheduled platform check (services/platform_deletions.py) when the post was deleted or
    # removed on its platform; the public gate then never shows it again.
    removed_on_platform_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: One of ``collectors.base.GONE_REASONS``.
    removed_on_platform_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)

    author: Mapped[Author | None] = relationship(lazy="joined")
    hashtags: Mapped[list[PostHashtag]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", passive_deletes=True
    )
    # Written by the scoring service only (one statement a batch), hence read-only here.
    sentiment: Mapped[PostSentiment | None] = relationship(lazy="selectin", viewonly=True)

    @property
    def tags(self) -> list[str]:
        return sorted(h.tag for h in self.hashtags)


class PostHashtag(db.Model):  # type: ignore[name-defined]
    """A hashtag found in a post, lower-cased without '#', for filtering."""

    __tablename__ = "post_hashtags"
    __table_args__ = (Index("ix_post_hashtags_tag_post_id", "tag", "post_id"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(160), primary_key=True)
