"""Checks a normalized post must pass before it is stored; each failure is a sentence for a person."""

from __future__ import annotations

import json
import math
import re
from urllib.parse import urlsplit

from ugc_hub.domain.posts import PLATFORMS, NormalizedPost

MAX_ID_LENGTH = 255
MAX_TEXT_LENGTH = 1_000_000


# Characters for which urlsplit's answer could differ from a plain reading of the string (it strips
# tabs and newlines, parses brackets as IPv6, refuses host names that NFKC-normalise to delimiters):
# URLs holding any of them, or anything outside printable ASCII, take the slow path.
_SLOW_PATH = re.compile(r"[^!-~]|[\[\]\\]")


def is_web_url(value: str) -> bool:
    """True for absolute http(s) URLs: anything else (javascript:, data:) could run in a browser."""
    # Fast path for the common, plain "https://host/…" (ingestion checks two URLs a post); same answer.
    for prefix in ("https://", "http://"):
        if value.startswith(prefix) and not _SLOW_PATH.search(value):
            rest = value[len(prefix) :]
            return bool(rest) and rest[0] not in "/?#"
    return _is_web_url_parsed(value)


def _is_web_url_parsed(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def problems(post: NormalizedPost) -> list[str]:
    """Return what is wrong with a post; an empty list means it can be stored."""
    return checked(post)[0]


def checked(post: NormalizedPost) -> tuple[list[str], str]:
    """What is wrong with a post, and its raw payload as JSON (encoded once, for storage too)."""
    found: list[str] = []
    encoded = ""
    if post.platform not in PLATFORMS:
        found.append(f"unknown platform {post.platform!r} (expected one of {', '.join(sorted(PLATFORMS))})")
    if not isinstance(post.platform_id, str) or not post.platform_id.strip():
        found.append("platform_id is required")
    elif len(post.platform_id) > MAX_ID_LENGTH:
        found.append(f"platform_id is longer than {MAX_ID_LENGTH} characters")
    if not isinstance(post.text, str):
        found.append("text must be a string")
    elif len(post.text) > MAX_TEXT_LENGTH:
        found.append(f"text is longer than {MAX_TEXT_LENGTH} characters")
    for name, value in (("text", post.text), ("title", post.title or "")):
        if isinstance(value, str) and "\x00" in value:
            found.append(f"{name} contains a NUL character")
    if post.author is not None:
        if not post.author.handle or len(post.author.handle) > MAX_ID_LENGTH:
            found.append("author handle must be 1 to 255 characters")
        if post.author.profile_url and not is_web_url(post.author.profile_url):
            found.append("author profile URL must be an http(s) URL")
    if post.permalink and not is_web_url(post.permalink):
        found.append("permalink must be an http(s) URL")
    for item in post.media:
        if not is_web_url(item.url) and not item.storage_key:
            found.append(f"media URL must be an http(s) URL: {item.url[:80]!r}")
    if post.posted_at is not None and post.posted_at.tzinfo is None:
        found.append("posted_at must carry a time zone")
    if post.rating is not None and (
        not isinstance(post.rating, (int, float)) or math.isnan(post.rating) or not 0 <= post.rating <= 5
    ):
        found.append("rating must be a number from 0 to 5")
    for key, count in post.metrics.items():
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            found.append(f"metric {key!r} must be a whole number ≥ 0")
    try:
        encoded = json.dumps(post.raw, ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        found.append(f"raw payload is not JSON: {exc}")
    else:
        if "\\u0000" in encoded:
            found.append("raw payload contains a NUL character")
    return found, encoded
