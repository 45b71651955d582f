"""Build, store and (optionally) publish to a CDN the public JSON snapshot of each published gallery.

The snapshot holds everything a visitor's browser needs (tiles, credits, alt text, thumbnail URLs, theme,
labels), so serving it is one indexed read of precomputed bytes with a strong ETag. It is rebuilt when
the gallery changes, when ``publication.visibility_changed`` names one of its posts or its workspace's
posts, and every minute by the beat task (licence windows end without any commit to announce it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from gallery import cdn, purge
from gallery.rules import Theme, alt_text, check_theme, labels_for, likes_of
from gallery.selection import select_posts
from gallery.thumbnails import Thumbnail, original_keys, thumbnails_for
from ugc_hub.models import Gallery, GallerySnapshot, Post
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.services.publication import PublicPost
from ugc_hub.services.storage import Storage, storage_from_config, storage_from_url
from ugc_hub.services.validation import is_web_url

SNAPSHOT_VERSION = 1


@dataclass(frozen=True)
class SnapshotSettings:
    """Where thumbnails live and how visitors reach them."""

    storage: Storage
    #: Prefix of hub URLs in snapshots ("" keeps them relative to the hub that serves the JSON).
    public_base_url: str = ""
    cdn: cdn.CdnTarget | None = None
    #: Asks the CDN to forget withdrawn objects; None when no purge is configured (or no CDN).
    purger: purge.Purger | None = None


def settings_from_config(config: Mapping[str, Any]) -> SnapshotSettings:
    target = None
    if config.get("GALLERY_PUBLISH_URL"):
        bucket = storage_from_url(config["GALLERY_PUBLISH_URL"], endpoint_url=config.get("S3_ENDPOINT_URL"))
        target = cdn.CdnTarget(
            storage=bucket,
            base_url=config.get("GALLERY_CDN_BASE_URL") or "",
            cache_control=config.get("GALLERY_CACHE_CONTROL") or cdn.DEFAULT_CACHE_CONTROL,
        )
    return SnapshotSettings(
        storage=storage_from_config(config),
        public_base_url=(config.get("PUBLIC_BASE_URL") or "").rstrip("/"),
        cdn=target,
        purger=purge.purger_from_config(config) if target is not None else None,
    )


def theme_of(gallery: Gallery) -> Theme:
    return check_theme(dict(gallery.theme or {}))


def _accessibility_caption(raw: dict[str, Any]) -> str | None:
    for key in ("accessibility_caption", "alt_text"):
        value = raw.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _web_url(url: str | None) -> str | None:
    """Only http(s) links reach visitors: a ``javascript:`` profile URL from a platform is dropped."""
    return url if url and is_web_url(url) else None


def _tile(
    post: PublicPost, raw: dict[str, Any], thumbs: list[Thumbnail], url_of: Callable[[Thumbnail], str]
) -> dict[str, Any]:
    media_alt = next((m.get("alt") for m in post.media if isinstance(m, dict) and m.get("alt")), None)
    largest = thumbs[-1]
    default = next((t for t in thumbs if t.width >= 640), largest)
    return {
        "id": post.id,
        "platform": post.platform,
        "credit": post.credit,
        "author_url": _web_url(post.author_profile_url),
        "permalink": _web_url(post.permalink),
        "caption": post.text,
        "alt": alt_text(
            accessibility_caption=_accessibility_caption(raw),
            media_alt=media_alt,
            caption=post.text,
            credit=post.credit,
        ),
        "posted_at": post.posted_at.isoformat(),
        "likes": likes_of(post.metrics),
        "image": {
            "src": url_of(default),
            "srcset": ", ".join(f"{url_of(t)} {t.width}w" for t in thumbs),
            "width": default.width,
            "height": default.height,
        },
    }


@dataclass(frozen=True)
class BuiltSnapshot:
    body: bytes
    etag: str
    post_ids: list[int]
    thumbnails: list[Thumbnail]


def build(session: DbSession, gallery: Gallery, settings: SnapshotSettings, now: datetime) -> BuiltSnapshot:
    """The snapshot's bytes; thumbnails are made as needed. Deterministic: same content, same ETag."""
    posts = select_posts(session, gallery, now)
    originals = original_keys(session, posts)
    ids = [p.id for p in posts]
    raws = {post_id: raw for post_id, raw in session.execute(select(Post.id, Post.raw).where(Post.id.in_(ids)))}

    def url_of(thumb: Thumbnail) -> str:
        if settings.cdn is not None:
            return settings.cdn.media_url(cdn.media_key(thumb.key))
        return f"{settings.public_base_url}/g/media/{thumb.key.split('/', 1)[1]}"

    tiles: list[dict[str, Any]] = []
    used: list[Thumbnail] = []
    for post in posts:
        if len(tiles) >= gallery.item_count:
            break
        thumbs = thumbnails_for(settings.storage, post.id, originals[post.id]) if post.id in originals else []
        if not thumbs:
            continue
        tiles.append(_tile(post, raws.get(post.id) or {}, thumbs, url_of))
        used.extend(thumbs)
    document = {
        "version": SNAPSHOT_VERSION,
        "gallery": {
            "slug": gallery.slug,
            "name": gallery.name,
            "layout": gallery.layout,
            "language": gallery.label_language,
            "theme": theme_of(gallery).css(),
            "labels": labels_for(gallery.label_language),
        },
        "items": tiles,
    }
    body = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    etag = hashlib.sha256(body).hexdigest()[:40]
    return BuiltSnapshot(body=body, etag=etag, post_ids=[t["id"] for t in tiles], thumbnails=used)


def rebuild(session: DbSession, gallery_id: int, settings: SnapshotSettings, *, now: datetime | None = None) -> bool:
    """Rebuild one gallery's snapshot (or drop it when unpublished); return whether anything was rewritten.

    The hub's own copy is committed first: a withdrawal never waits on the bucket. The keys that may be
    written to the bucket are recorded before writing, so a failed upload leaves nothing untracked; the
    next rebuild (at the latest the beat task's) retries, because ``cdn_etag`` still differs.
    """
    gallery = session.get(Gallery, gallery_id)
    existing = session.get(GallerySnapshot, gallery_id)
    if gallery is None or not gallery.published:
        if existing is None:
            return False
        SERVED.forget()  # the hub stopped serving it with the commit that unpublished it
        if settings.cdn is not None:
            gone = list(existing.published_keys or [])
            cdn.withdraw(settings.cdn, gone)
            purge.request_purge(session, settings.purger, [settings.cdn.media_url(key) for key in gone])
        session.delete(existing)
        session.commit()
        return True
    built = build(session, gallery, settings, now or utcnow())
    cdn_current = settings.cdn is None or (existing is not None and existing.cdn_etag == built.etag)
    if existing is not None and existing.etag == built.etag and cdn_current:
        return False
    if existing is None:
        existing = GallerySnapshot(gallery_id=gallery_id, published_keys=[])
        session.add(existing)
    existing.body, existing.etag, existing.post_ids = built.body.decode(), built.etag, built.post_ids
    existing.built_at = utcnow()
    session.commit()
    SERVED.forget()
    if settings.cdn is not None and not cdn_current:
        media = {cdn.media_key(t.key): settings.storage.get(t.key) for t in built.thumbnails}
        previous = list(existing.published_keys or [])
        existing.published_keys = sorted(set(previous) | set(media) | {cdn.snapshot_key(gallery.slug)})
        session.commit()
        keys = cdn.publish(settings.cdn, slug=gallery.slug, body=built.body, media=media, previous_keys=previous)
        existing.published_keys, existing.cdn_etag = keys, built.etag
        session.commit()
        dropped = set(previous) - set(keys)
        if dropped:  # something left the gallery: edges must drop it and the snapshot that still shows it
            stale = dropped | {cdn.snapshot_key(gallery.slug)}
            purge.request_purge(session, settings.purger, [settings.cdn.media_url(key) for key in stale])
    return True


def galleries_showing(session: DbSession, post_ids: list[int]) -> list[int]:
    """Published galleries whose current snapshot shows any of these posts."""
    wanted = set(post_ids)
    rows = session.execute(select(GallerySnapshot.gallery_id, GallerySnapshot.post_ids))
    return sorted(gallery_id for gallery_id, shown in rows if wanted & set(shown or []))


def galleries_of_posts(session: DbSession, post_ids: list[int]) -> list[int]:
    """Published galleries of the workspaces these posts belong to (the posts may now enter them)."""
    workspaces = select(Post.workspace_id).where(Post.id.in_(post_ids)).distinct()
    query = select(Gallery.id).where(Gallery.published.is_(True), Gallery.workspace_id.in_(workspaces))
    return list(session.scalars(query.order_by(Gallery.id)))


def galleries_to_refresh(session: DbSession) -> list[int]:
    """Published galleries, and unpublished ones whose bucket copy is not deleted yet."""
    published = set(session.scalars(select(Gallery.id).where(Gallery.published.is_(True))))
    return sorted(published | set(session.scalars(select(GallerySnapshot.gallery_id))))


def current(session: DbSession, slug: str) -> tuple[Gallery, GallerySnapshot] | None:
    """A published gallery and its snapshot, by slug."""
    row = session.execute(
        select(Gallery, GallerySnapshot)
        .join(GallerySnapshot, GallerySnapshot.gallery_id == Gallery.id)
        .where(Gallery.slug == slug, Gallery.published.is_(True))
    ).first()
    return (row[0], row[1]) if row else None


class ServedCache:
    """What this process last read of each served snapshot, for at most GALLERY_SNAPSHOT_CACHE_SECONDS.

    Serving the JSON then costs a dictionary lookup instead of a database round trip, which is what lets
    it keep up with a static file. A rebuild in this process forgets everything at once; other processes
    (gunicorn workers) see the new snapshot when their copy expires, so a withdrawal reaches every visitor
    within that many seconds of its commit (1 by default, well inside the 60 the issue allows).
    """

    def __init__(self, max_entries: int = 1024) -> None:
        self.max_entries = max_entries
        self._entries: dict[tuple[str, str], tuple[float, tuple[str, bytes] | None]] = {}

    def get(self, session: DbSession, slug: str, *, database: str, ttl: float, now: float) -> tuple[str, bytes] | None:
        """The ETag and body bytes of a published gallery's snapshot, or None."""
        key = (database, slug)
        hit = self._entries.get(key)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
        row = served_etag_and_body(session, slug)
        value = (row[0], row[1].encode()) if row is not None else None
        if ttl > 0:
            if len(self._entries) >= self.max_entries:  # unknown slugs must not grow memory without bound
                self._entries.clear()
            self._entries[key] = (now, value)
        return value

    def forget(self) -> None:
        self._entries.clear()


SERVED = ServedCache()


def served_etag_and_body(session: DbSession, slug: str) -> tuple[str, str] | None:
    """Only the two columns the public JSON endpoint sends, in one indexed read."""
    row = session.execute(
        select(GallerySnapshot.etag, GallerySnapshot.body)
        .join(Gallery, GallerySnapshot.gallery_id == Gallery.id)
        .where(Gallery.slug == slug, Gallery.published.is_(True))
    ).first()
    return (row[0], row[1]) if row else None
