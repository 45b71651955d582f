"""Responsive thumbnails of stored post images, made once with Pillow and kept in our storage.

Visitors' browsers load these from the hub (or the brand's CDN), never from the platform.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass

from PIL import Image
from sqlalchemy import select

from gallery.rules import widths_for
from ugc_hub.models import MediaAsset
from ugc_hub.models.base import DbSession
from ugc_hub.services.media import url_hash
from ugc_hub.services.publication import PublicPost
from ugc_hub.services.storage import Storage

THUMBNAIL_PREFIX = "gallery"


@dataclass(frozen=True)
class Thumbnail:
    key: str
    name: str
    width: int
    height: int


def original_keys(session: DbSession, posts: Iterable[PublicPost]) -> dict[int, str]:
    """The storage key of the first stored image of each post, if it has one."""
    posts = list(posts)
    found: dict[int, str] = {}
    wanted: dict[tuple[int, str], int] = {}
    for post in posts:
        for index, item in enumerate(post.media):
            if not isinstance(item, dict) or item.get("type", "image") != "image":
                continue
            if item.get("storage_key") and post.id not in found:
                found[post.id] = str(item["storage_key"])
            elif item.get("url"):
                wanted.setdefault((post.id, url_hash(str(item["url"]))), index)
    missing = {post_id for post_id, _ in wanted} - set(found)
    if missing:
        rows = session.execute(
            select(MediaAsset.post_id, MediaAsset.url_hash, MediaAsset.storage_key)
            .where(MediaAsset.post_id.in_(missing), MediaAsset.status == "stored")
            .order_by(MediaAsset.id)
        )
        best: dict[int, tuple[int, str]] = {}
        for post_id, digest, key in rows:
            position = wanted.get((post_id, digest))
            if key and position is not None and (post_id not in best or position < best[post_id][0]):
                best[post_id] = (position, key)
        found.update({post_id: key for post_id, (_, key) in best.items()})
    return found


def thumbnails_for(storage: Storage, post_id: int, original_key: str) -> list[Thumbnail]:
    """Make (once) the JPEG widths of ``srcset`` for one image; an unreadable image gives none."""
    digest = hashlib.sha256(original_key.encode()).hexdigest()[:20]
    try:
        data = storage.get(original_key)
    except KeyError:
        return []
    try:
        with Image.open(io.BytesIO(data)) as image:
            # Opening reads only the header: the pixels are decoded below, and only for a missing width.
            made, missing = [], []
            for width in widths_for(image.width):
                height = max(1, round(image.height * width / image.width))
                name = f"{digest}-{width}.jpg"
                thumb = Thumbnail(key=f"{THUMBNAIL_PREFIX}/{post_id}/{name}", name=name, width=width, height=height)
                made.append(thumb)
                if not storage.exists(thumb.key):
                    missing.append(thumb)
            if missing:
                rgb = image.convert("RGB")
                for thumb in missing:
                    out = io.BytesIO()
                    rgb.resize((thumb.width, thumb.height), Image.Resampling.LANCZOS).save(out, "JPEG", quality=80)
                    storage.put(thumb.key, out.getvalue(), "image/jpeg")
    except (OSError, ValueError, Image.DecompressionBombError):
        return []
    return made
