"""Embeddable galleries: their settings, manual picks, the published snapshot and daily analytics."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from ugc_hub.models.base import JSONType, UTCDateTime, db, utcnow

GALLERY_ORDERS = ("newest", "most_liked", "manual")
GALLERY_LAYOUTS = ("grid", "masonry", "carousel")
#: A pick is shown (still through the public gate) even when the filters would not select it; a pin is a
#: pick shown first, in position order; an exclusion never appears.
ITEM_KINDS = ("pick", "pin", "exclude")


class Gallery(db.Model):  # type: ignore[name-defined]
    """What a gallery selects and how it looks; ``theme`` holds colours and the font stack."""

    __tablename__ = "galleries"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    hashtags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    source_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    min_sentiment: Mapped[float | None] = mapped_column(Float, nullable=True)
    order: Mapped[str] = mapped_column(String(16), default="newest")
    layout: Mapped[str] = mapped_column(String(16), default="grid")
    theme: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    item_count: Mapped[int] = mapped_column(Integer, default=12)
    label_language: Mapped[str] = mapped_column(String(8), default="en")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Whether posts the platform marked adult may appear (the public gate refuses them otherwise).
    allow_nsfw: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GalleryItem(db.Model):  # type: ignore[name-defined]
    """A post picked, pinned or excluded by hand in one gallery."""

    __tablename__ = "gallery_items"

    gallery_id: Mapped[int] = mapped_column(ForeignKey("galleries.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True)
    kind: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column(Integer, default=0)


class GallerySnapshot(db.Model):  # type: ignore[name-defined]
    """The precomputed public JSON of a published gallery, served byte for byte with its strong ETag.

    ``post_ids`` says which posts the body shows (a withdrawal rebuilds the snapshots holding them, and the
    beacon accepts only those); ``published_keys`` are the objects that may be in the CDN bucket, so the
    next build deletes those it no longer needs. The row outlives unpublishing until the bucket is emptied.
    """

    __tablename__ = "gallery_snapshots"

    gallery_id: Mapped[int] = mapped_column(ForeignKey("galleries.id", ondelete="CASCADE"), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    etag: Mapped[str] = mapped_column(String(64))
    post_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    published_keys: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: The ETag of the body last written to the CDN bucket; differs from ``etag`` after a failed upload.
    cdn_etag: Mapped[str | None] = mapped_column(String(64), nullable=True)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GalleryCdnPurge(db.Model):  # type: ignore[name-defined]
    """A request to the CDN to forget these URLs, kept until the CDN took it (``gallery.purge``)."""

    __tablename__ = "gallery_cdn_purges"

    id: Mapped[int] = mapped_column(primary_key=True)
    urls: Mapped[list[str]] = mapped_column(JSONType, default=list)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)


class GalleryDailyStat(db.Model):  # type: ignore[name-defined]
    """Impressions and clicks of one tile on one day (UTC); no visitor is identified."""

    __tablename__ = "gallery_daily_stats"
    __table_args__ = (Index("ix_gallery_daily_stats_gallery_day", "gallery_id", "day"),)

    gallery_id: Mapped[int] = mapped_column(ForeignKey("galleries.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    post_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    impressions: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
