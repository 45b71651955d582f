"""Media files of posts, downloaded once to storage, with a thumbnail and a perceptual hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ugc_hub.models.base import UTCDateTime, db, utcnow

MEDIA_STATUSES = ("pending", "stored", "failed")


class MediaAsset(db.Model):  # type: ignore[name-defined]
    """One image (or video poster) of a post; ``phash`` finds the same photo reposted."""

    __tablename__ = "media_assets"
    __table_args__ = (UniqueConstraint("post_id", "url_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    #: sha256 of the URL: URLs can be longer than an index allows.
    url_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    storage_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    thumbnail_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    content_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    byte_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: sha256 of the file: the same bytes are stored once.
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    #: 64-bit perceptual hash as 16 hex digits: a resized or recompressed repost is a few bits away.
    phash: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
