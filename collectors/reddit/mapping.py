"""Map Reddit things (``{"kind": "t3"|"t1", "data": {...}}`` as the API sends them) to posts.

Pure functions, no praw: the payload is the JSON Reddit returned, kept verbatim in ``raw``.
A deleted or removed post keeps its title but loses its body ("[deleted]"/"[removed]", or a
``removed_by_category``); a comment loses its body the same way. Such things raise ``SkippedItem``:
an empty post would reach the inbox with nothing of the author's left. An account that was deleted
shows as author "[deleted]" with no ``author_fullname``: its posts map with ``author=None``.
``over_18`` becomes the post's ``nsfw`` flag.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from collectors.errors import MappingError, SkippedItem
from collectors.incremental import utc_from_timestamp
from collectors.shapes import as_mapping
from ugc_hub.domain.posts import MediaItem, NormalizedAuthor, NormalizedPost

REDDIT = "https://www.reddit.com"
DELETED = frozenset({"[deleted]", "[removed]"})
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")


def map_thing(payload: Mapping[str, Any]) -> NormalizedPost:
    """Map a t3 (submission) or t1 (comment) thing; raise ``MappingError`` on an unknown shape."""
    kind = payload.get("kind") if isinstance(payload, Mapping) else None
    data = payload.get("data") if isinstance(payload, Mapping) else None
    if kind not in ("t3", "t1") or not isinstance(data, Mapping):
        raise MappingError(f"Reddit thing: expected kind t3 or t1 with a data object, got kind {kind!r}")
    fullname = data.get("name")
    if not isinstance(fullname, str) or not fullname.startswith(f"{kind}_"):
        raise MappingError(f"Reddit {kind}: 'name' (the fullname) is missing or malformed: {fullname!r}")
    if is_deleted(data):
        why = data.get("removed_by_category") or "deleted"
        raise SkippedItem(f"Reddit {kind} {fullname} was removed or deleted on Reddit ({why})", platform_id=fullname)
    created = _number(data, "created_utc", fullname)
    permalink = data.get("permalink")
    common: dict[str, Any] = {
        "platform": "reddit",
        "platform_id": fullname,
        "author": map_author(data),
        "permalink": f"{REDDIT}{permalink}" if isinstance(permalink, str) and permalink.startswith("/") else None,
        "posted_at": utc_from_timestamp(created),
        "raw": dict(payload),
        "nsfw": data.get("over_18") is True,
    }
    if kind == "t3":
        title = data.get("title")
        if not isinstance(title, str):
            raise MappingError(
                f"Reddit t3 {fullname}: 'title' is missing or not text ({type(title).__name__})", platform_id=fullname
            )
        return NormalizedPost(
            **common,
            title=title,
            text=_body(data.get("selftext")),
            media=_media(data),
            metrics=_metrics(data, "score", "num_comments", "num_crossposts"),
        )
    body = data.get("body")
    if not isinstance(body, str):
        raise MappingError(
            f"Reddit t1 {fullname}: 'body' is missing or not text ({type(body).__name__})", platform_id=fullname
        )
    return NormalizedPost(**common, text=_body(body), metrics=_metrics(data, "score"))


def map_author(data: Mapping[str, Any]) -> NormalizedAuthor | None:
    """Return the author, or ``None`` when the account was deleted or is unknown."""
    name = data.get("author")
    if not isinstance(name, str) or not name or name in DELETED:
        return None
    user_id = data.get("author_fullname")
    return NormalizedAuthor(
        handle=name,
        platform_user_id=user_id if isinstance(user_id, str) else None,
        profile_url=f"{REDDIT}/user/{name}/",
    )


def is_deleted(data: Mapping[str, Any]) -> bool:
    """Return whether Reddit reports the thing itself as deleted or removed."""
    body = data.get("selftext") if "selftext" in data else data.get("body")
    return bool(data.get("removed_by_category")) or body in DELETED


def _number(data: Mapping[str, Any], key: str, fullname: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MappingError(
            f"Reddit {fullname}: {key!r} is missing or not a number ({value!r}); the API shape may have changed",
            platform_id=fullname,
        )
    return float(value)


def _body(text: Any) -> str:
    return "" if not isinstance(text, str) or text in DELETED else text


def _metrics(data: Mapping[str, Any], *keys: str) -> dict[str, int]:
    return {k: int(data[k]) for k in keys if isinstance(data.get(k), int) and not isinstance(data.get(k), bool)}


def _media(data: Mapping[str, Any]) -> tuple[MediaItem, ...]:
    media: list[MediaItem] = []
    video = (data.get("secure_media") or data.get("media") or {}) if isinstance(data, Mapping) else {}
    reddit_video = video.get("reddit_video") if isinstance(video, Mapping) else None
    if isinstance(reddit_video, Mapping) and isinstance(reddit_video.get("fallback_url"), str):
        media.append(MediaItem(url=reddit_video["fallback_url"], type="video"))
    metadata = data.get("media_metadata")
    if isinstance(metadata, Mapping):  # galleries
        for entry in metadata.values():
            source = entry.get("s") if isinstance(entry, Mapping) else None
            if isinstance(source, Mapping) and isinstance(source.get("u"), str):
                media.append(MediaItem(url=source["u"], type="image"))
    url = data.get("url_overridden_by_dest") or data.get("url")
    if not media and isinstance(url, str) and url.lower().split("?")[0].endswith(_IMAGE_SUFFIXES):
        media.append(MediaItem(url=url, type="image"))
    if not media:
        images = as_mapping(data.get("preview")).get("images")
        if isinstance(images, list) and images and isinstance(images[0], Mapping):
            source = images[0].get("source")
            if isinstance(source, Mapping) and isinstance(source.get("url"), str):
                media.append(MediaItem(url=source["url"], type="image"))
    return tuple(media)
