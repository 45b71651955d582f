"""Map Instagram Graph API media objects to posts. Pure; no I/O.

The platform id is the shortcode read from ``permalink`` (``/p/<code>/`` or ``/reel/<code>/``), so a
post collected both here and through instaloader is one post. Hashtag search never names the author
(Meta withholds it); ``tags`` and ``mentioned_media`` give ``username``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from collectors.errors import MappingError
from collectors.instagram.mapping import INSTAGRAM
from ugc_hub.domain.posts import MediaItem, NormalizedAuthor, NormalizedPost

MEDIA_FIELDS = (
    "id,caption,media_type,media_url,permalink,timestamp,like_count,comments_count,children{media_type,media_url}"
)
#: ``tags`` and ``mentioned_media`` may also name the author.
AUTHORED_FIELDS = MEDIA_FIELDS + ",username"
_SHORTCODE_RE = re.compile(r"/(?:p|reel|tv)/([A-Za-z0-9_-]+)")


def shortcode(permalink: Any) -> str | None:
    match = _SHORTCODE_RE.search(permalink) if isinstance(permalink, str) else None
    return match.group(1) if match else None


def post_id(obj: Mapping[str, Any]) -> str:
    """Our id of a Graph media object: its shortcode, or ``graph:<media id>`` without a permalink."""
    return shortcode(obj.get("permalink")) or f"graph:{obj.get('id')}"


def parse_timestamp(value: Any) -> datetime | None:
    """Graph timestamps look like ``2026-11-22T10:00:00+0000``."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _media(obj: Mapping[str, Any]) -> list[MediaItem]:
    children = obj.get("children")
    items = children.get("data") if isinstance(children, Mapping) else None
    found: list[MediaItem] = []
    for child in items if isinstance(items, list) and items else [obj]:
        if isinstance(child, Mapping) and isinstance(child.get("media_url"), str):
            kind = "video" if child.get("media_type") == "VIDEO" else "image"
            found.append(MediaItem(url=child["media_url"], type=kind))
    return found


def map_graph_media(obj: Mapping[str, Any]) -> NormalizedPost:
    """Map a Graph media object (``recent_media``, ``top_media``, ``tags``, ``mentioned_media``)."""
    ident = obj.get("id") if isinstance(obj, Mapping) else None
    if not isinstance(ident, str) or not ident:
        raise MappingError("Instagram Graph media: 'id' is missing; the API shape may have changed")
    posted_at = parse_timestamp(obj.get("timestamp"))
    if posted_at is None:
        raise MappingError(
            f"Instagram Graph media {ident}: 'timestamp' is missing or unreadable ({obj.get('timestamp')!r})",
            platform_id=ident,
        )
    username = obj.get("username")
    author = (
        NormalizedAuthor(handle=username, profile_url=f"{INSTAGRAM}/{username}/")
        if isinstance(username, str) and username
        else None
    )
    metrics = {
        k: v
        for k, v in (("likes", _count(obj.get("like_count"))), ("comments", _count(obj.get("comments_count"))))
        if v is not None
    }
    caption = obj.get("caption")
    return NormalizedPost(
        platform="instagram",
        platform_id=post_id(obj),
        author=author,
        text=caption if isinstance(caption, str) else "",
        media=tuple(_media(obj)),
        permalink=obj["permalink"] if isinstance(obj.get("permalink"), str) else None,
        posted_at=posted_at,
        metrics=metrics,
        raw=dict(obj),
    )
