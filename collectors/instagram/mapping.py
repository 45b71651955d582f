"""Map Instagram JSON to posts: iPhone "media" dicts (hashtag sections), GraphQL nodes (tagged
posts) and iPhone comment dicts. Pure functions; no instaloader, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from collectors.errors import MappingError
from collectors.incremental import utc_from_timestamp
from ugc_hub.domain.posts import MediaItem, NormalizedAuthor, NormalizedPost

INSTAGRAM = "https://www.instagram.com"
# Instagram handles: letters, digits, '.' and '_', up to 30; not preceded by a word char or '.'.
MENTION_RE = re.compile(r"(?<![\w.])@([A-Za-z0-9_.]{1,30})")


def caption_mentions(caption: str | None) -> list[str]:
    """Return the accounts @mentioned in a caption, lower-cased, without '@'."""
    return [m.rstrip(".").lower() for m in MENTION_RE.findall(caption or "")]


def mentions_any(caption: str | None, accounts: list[str]) -> bool:
    """Return whether a caption @mentions one of ``accounts`` (case-insensitive, '@' optional)."""
    wanted = {a.strip().lstrip("@").lower() for a in accounts if a.strip()}
    return bool(wanted.intersection(caption_mentions(caption)))


def iphone_caption(media: Mapping[str, Any]) -> str | None:
    """Return the caption text of an iPhone media dict (``caption`` is null without one)."""
    caption = media.get("caption")
    text = caption.get("text") if isinstance(caption, Mapping) else None
    return text if isinstance(text, str) else None


def node_caption(node: Mapping[str, Any]) -> str | None:
    """Return the caption text of a GraphQL post node."""
    edges = (
        (node.get("edge_media_to_caption") or {}).get("edges")
        if isinstance(node.get("edge_media_to_caption"), Mapping)
        else None
    )
    if isinstance(edges, list) and edges and isinstance(edges[0], Mapping):
        text = (edges[0].get("node") or {}).get("text")
        return text if isinstance(text, str) else None
    caption = node.get("caption")
    return caption if isinstance(caption, str) else None


def _fail(what: str, ident: Any, message: str) -> MappingError:
    return MappingError(f"Instagram {what} {ident}: {message}; the API shape may have changed", platform_id=str(ident))


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _first_candidate(media: Mapping[str, Any]) -> str | None:
    candidates = (
        (media.get("image_versions2") or {}).get("candidates")
        if isinstance(media.get("image_versions2"), Mapping)
        else None
    )
    if isinstance(candidates, list) and candidates and isinstance(candidates[0], Mapping):
        url = candidates[0].get("url")
        return url if isinstance(url, str) else None
    return None


def _iphone_media_items(media: Mapping[str, Any]) -> list[MediaItem]:
    alt = media.get("accessibility_caption") if isinstance(media.get("accessibility_caption"), str) else None
    carousel = media.get("carousel_media")
    if isinstance(carousel, list) and carousel:
        found = []
        for child in carousel:
            if isinstance(child, Mapping):
                found.extend(_iphone_media_items(child))
        return found
    videos = media.get("video_versions")
    if isinstance(videos, list) and videos and isinstance(videos[0], Mapping) and isinstance(videos[0].get("url"), str):
        return [MediaItem(url=videos[0]["url"], type="video", alt=alt)]
    image = _first_candidate(media)
    return [MediaItem(url=image, type="image", alt=alt)] if image else []


def map_iphone_media(media: Mapping[str, Any]) -> NormalizedPost:
    """Map an iPhone "media" dict (hashtag top/recent sections) to a post."""
    code = media.get("code") if isinstance(media, Mapping) else None
    if not isinstance(code, str) or not code:
        raise _fail(
            "media", media.get("pk") if isinstance(media, Mapping) else None, "'code' (the shortcode) is missing"
        )
    taken_at = media.get("taken_at")
    if isinstance(taken_at, bool) or not isinstance(taken_at, int | float):
        raise _fail("media", code, f"'taken_at' is missing or not a number ({taken_at!r})")
    user = media.get("user")
    if user is not None and not isinstance(user, Mapping):
        raise _fail("media", code, f"'user' is not an object ({type(user).__name__})")
    metrics = {
        k: v
        for k, v in (
            ("likes", _count(media.get("like_count"))),
            ("comments", _count(media.get("comment_count"))),
            ("plays", _count(media.get("play_count") or media.get("view_count"))),
        )
        if v is not None
    }
    return NormalizedPost(
        platform="instagram",
        platform_id=code,
        author=_author(user.get("username"), user.get("pk"), user.get("full_name")) if user else None,
        text=iphone_caption(media) or "",
        media=tuple(_iphone_media_items(media)),
        permalink=f"{INSTAGRAM}/p/{code}/",
        posted_at=utc_from_timestamp(taken_at),
        metrics=metrics,
        raw=dict(media),
    )


def map_graph_node(node: Mapping[str, Any]) -> NormalizedPost:
    """Map a GraphQL post node (tagged posts, ``edge_user_to_photos_of_you``) to a post."""
    code = node.get("shortcode") if isinstance(node, Mapping) else None
    if not isinstance(code, str) or not code:
        raise _fail("post node", node.get("id") if isinstance(node, Mapping) else None, "'shortcode' is missing")
    taken_at = node.get("taken_at_timestamp", node.get("date"))
    if isinstance(taken_at, bool) or not isinstance(taken_at, int | float):
        raise _fail("post node", code, f"'taken_at_timestamp' is missing or not a number ({taken_at!r})")
    owner = node.get("owner")
    if owner is not None and not isinstance(owner, Mapping):
        raise _fail("post node", code, f"'owner' is not an object ({type(owner).__name__})")
    media: list[MediaItem] = []
    alt = node.get("accessibility_caption") if isinstance(node.get("accessibility_caption"), str) else None
    children = (
        (node.get("edge_sidecar_to_children") or {}).get("edges")
        if isinstance(node.get("edge_sidecar_to_children"), Mapping)
        else None
    )
    for child in [e.get("node") for e in children if isinstance(e, Mapping)] if isinstance(children, list) else [node]:
        if not isinstance(child, Mapping):
            continue
        if child.get("is_video") and isinstance(child.get("video_url"), str):
            media.append(MediaItem(url=child["video_url"], type="video", alt=alt))
        elif isinstance(child.get("display_url"), str):
            media.append(
                MediaItem(url=child["display_url"], type="image", alt=child.get("accessibility_caption") or alt)
            )
    likes = node.get("edge_media_preview_like") or node.get("edge_liked_by") or {}
    comments = node.get("edge_media_to_comment") or node.get("edge_media_to_parent_comment") or {}
    metrics = {
        k: v
        for k, v in (
            ("likes", _count(likes.get("count")) if isinstance(likes, Mapping) else None),
            ("comments", _count(comments.get("count")) if isinstance(comments, Mapping) else None),
            ("plays", _count(node.get("video_view_count"))),
        )
        if v is not None
    }
    return NormalizedPost(
        platform="instagram",
        platform_id=code,
        author=_author(owner.get("username"), owner.get("id"), owner.get("full_name")) if owner else None,
        text=node_caption(node) or "",
        media=tuple(media),
        permalink=f"{INSTAGRAM}/p/{code}/",
        posted_at=utc_from_timestamp(taken_at),
        metrics=metrics,
        raw=dict(node),
    )


def map_comment(comment: Mapping[str, Any], shortcode: str | None) -> NormalizedPost:
    """Map an iPhone comment dict (``api/v1/media/<id>/comments/``) to a post."""
    pk = comment.get("pk") if isinstance(comment, Mapping) else None
    if not isinstance(pk, str | int) or isinstance(pk, bool):
        raise _fail("comment", None, "'pk' is missing")
    text = comment.get("text")
    if not isinstance(text, str):
        raise _fail("comment", pk, f"'text' is missing or not text ({type(text).__name__})")
    created = comment.get("created_at_utc", comment.get("created_at"))
    if isinstance(created, bool) or not isinstance(created, int | float):
        raise _fail("comment", pk, f"'created_at' is missing or not a number ({created!r})")
    user = comment.get("user")
    if user is not None and not isinstance(user, Mapping):
        raise _fail("comment", pk, f"'user' is not an object ({type(user).__name__})")
    likes = _count(comment.get("comment_like_count"))
    return NormalizedPost(
        platform="instagram",
        platform_id=str(pk),
        author=_author(user.get("username"), user.get("pk") or user.get("id"), user.get("full_name")) if user else None,
        text=text,
        permalink=f"{INSTAGRAM}/p/{shortcode}/c/{pk}/" if shortcode else None,
        posted_at=utc_from_timestamp(created),
        metrics={"likes": likes} if likes is not None else {},
        raw=dict(comment),
    )


def _author(username: Any, user_id: Any, full_name: Any) -> NormalizedAuthor | None:
    """Return the author; ``None`` when the account is gone (no username, no id)."""
    handle = username if isinstance(username, str) and username else None
    ident = str(user_id) if isinstance(user_id, str | int) and not isinstance(user_id, bool) and user_id else None
    if handle is None and ident is None:
        return None
    return NormalizedAuthor(
        handle=handle or f"id:{ident}",
        platform_user_id=ident,
        display_name=full_name if isinstance(full_name, str) and full_name else None,
        profile_url=f"{INSTAGRAM}/{handle}/" if handle else None,
    )
