"""Post images downloaded once to storage (never from a private address, see ``media_fetch``), with a Pillow thumbnail and a perceptual hash.

The same bytes are stored once (keyed by their sha256); the perceptual hash (``imagehash.phash``,
64 bits) finds the same photo reposted after resizing or recompression.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import imagehash
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from ugc_hub.models import MediaAsset, Post
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.services.media_fetch import MediaFetchError, MediaRefused, fetch_public
from ugc_hub.services.storage import Storage
from ugc_hub.services.validation import is_web_url

MAX_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 60_000_000
THUMBNAIL_SIZE = (320, 320)
MAX_ATTEMPTS = 3
#: Hamming distance between perceptual hashes under which two images are "the same photo".
REPOST_DISTANCE = 8
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}

Fetch = Callable[[str], bytes]


def http_fetch(url: str, *, timeout: float = 15.0, max_bytes: int = MAX_BYTES, allow_private: bool = False) -> bytes:
    """Download one file over http(s), refusing non-public addresses and anything over ``max_bytes``."""
    if not is_web_url(url):
        raise MediaRefused(f"refused: not an http(s) URL: {url[:200]}")
    return fetch_public(url, timeout=timeout, max_bytes=max_bytes, allow_private=allow_private)


def fetcher_from_config(config: Mapping[str, Any]) -> Fetch:
    """The fetch function the config asks for (``MEDIA_ALLOW_PRIVATE_ADDRESSES`` is for tests only)."""
    return partial(http_fetch, allow_private=bool(config.get("MEDIA_ALLOW_PRIVATE_ADDRESSES", False)))


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def queue_media(session: DbSession, posts: Iterable[Post]) -> int:
    """Add a pending asset for every image of these posts that has none yet; return how many."""
    added = 0
    for post in posts:
        wanted = {
            url_hash(m["url"]): m["url"]
            for m in post.media or []
            if isinstance(m, dict) and m.get("type", "image") == "image" and is_web_url(str(m.get("url", "")))
        }
        if not wanted:
            continue
        known = set(session.scalars(select(MediaAsset.url_hash).where(MediaAsset.post_id == post.id)))
        for digest, url in wanted.items():
            if digest not in known:
                session.add(MediaAsset(post_id=post.id, url=url, url_hash=digest, status="pending", attempts=0))
                added += 1
    session.commit()
    return added


def queue_media_since(session: DbSession, source_id: int, since: datetime) -> int:
    """Queue the images of the posts a source collected since ``since``."""
    posts = session.scalars(select(Post).where(Post.source_id == source_id, Post.collected_at >= since)).all()
    return queue_media(session, posts)


@dataclass(frozen=True)
class ImageFacts:
    content_type: str
    width: int
    height: int
    phash: str
    thumbnail: bytes


def inspect_image(data: bytes) -> ImageFacts:
    """Read an image with Pillow: its type and size, a JPEG thumbnail and its perceptual hash."""
    with warnings.catch_warnings():
        # Pillow warns, then raises, on huge images; treat the warning as the refusal it announces.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in IMAGE_TYPES:
                    raise ValueError(f"unsupported image type {image.format}")
                if image.width * image.height > MAX_PIXELS:
                    raise ValueError(f"image too large ({image.width}×{image.height})")
                image.load()
                content_type = IMAGE_TYPES[image.format]
                rgb = image.convert("RGB")
        except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError, OSError) as exc:
            raise ValueError(f"not a readable image: {exc}") from exc
    phash = str(imagehash.phash(rgb))
    thumb = rgb.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=82)
    return ImageFacts(content_type, rgb.width, rgb.height, phash, out.getvalue())


@dataclass
class MediaReport:
    stored: int = 0
    reused: int = 0
    failed: int = 0
    retry: int = 0


def download_pending(
    session: DbSession, storage: Storage, *, fetch: Fetch = http_fetch, limit: int = 200, now: datetime | None = None
) -> MediaReport:
    """Download pending images (one commit each): store file and thumbnail once, hash them."""
    report = MediaReport()
    pending = session.scalars(
        select(MediaAsset).where(MediaAsset.status == "pending").order_by(MediaAsset.id).limit(limit)
    ).all()
    for asset in pending:
        asset.attempts += 1
        asset.fetched_at = now or utcnow()
        try:
            data = fetch(asset.url)
        except MediaFetchError as exc:
            asset.error = str(exc)[:2000]
            if isinstance(exc, MediaRefused) or asset.attempts >= MAX_ATTEMPTS:
                asset.status = "failed"
                report.failed += 1
            else:
                report.retry += 1
            session.commit()
            continue
        digest = hashlib.sha256(data).hexdigest()
        twin = session.scalar(
            select(MediaAsset).where(MediaAsset.sha256 == digest, MediaAsset.status == "stored").limit(1)
        )
        if twin is not None:
            _copy_facts(asset, twin)
            report.reused += 1
        else:
            try:
                facts = inspect_image(data)
            except ValueError as exc:
                asset.status, asset.error = "failed", str(exc)[:2000]
                report.failed += 1
                session.commit()
                continue
            extension = facts.content_type.split("/")[1].replace("jpeg", "jpg")
            asset.storage_key = f"media/{digest[:2]}/{digest}.{extension}"
            asset.thumbnail_key = f"thumbnails/{digest[:2]}/{digest}.jpg"
            storage.put(asset.storage_key, data, facts.content_type)
            storage.put(asset.thumbnail_key, facts.thumbnail, "image/jpeg")
            asset.content_type, asset.width, asset.height = facts.content_type, facts.width, facts.height
            asset.phash, asset.byte_size = facts.phash, len(data)
            report.stored += 1
        asset.sha256, asset.status, asset.error = digest, "stored", None
        session.commit()
    return report


def _copy_facts(asset: MediaAsset, twin: MediaAsset) -> None:
    asset.storage_key, asset.thumbnail_key = twin.storage_key, twin.thumbnail_key
    asset.content_type, asset.width, asset.height = twin.content_type, twin.width, twin.height
    asset.phash, asset.byte_size = twin.phash, twin.byte_size


def reposts_of(session: DbSession, asset: MediaAsset, *, max_distance: int = REPOST_DISTANCE) -> Sequence[MediaAsset]:
    """Stored images of other posts that look like this one (perceptual hash within ``max_distance``)."""
    if asset.phash is None:
        return []
    mine = imagehash.hex_to_hash(asset.phash)
    # A linear scan of 16-character hashes; fine for hundreds of thousands of images.
    candidates = session.scalars(
        select(MediaAsset).where(
            MediaAsset.status == "stored", MediaAsset.post_id != asset.post_id, MediaAsset.phash.is_not(None)
        )
    ).all()
    return [c for c in candidates if c.phash and mine - imagehash.hex_to_hash(c.phash) <= max_distance]
