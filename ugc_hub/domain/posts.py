"""The normalized post every collector and importer hands to the ingestion service."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PLATFORMS = frozenset(
    {"instagram", "reddit", "review", "rss", "google_play", "app_store", "trustpilot", "webhook", "import", "other"}
)

# Hashtags in any script: a # followed by word characters (Unicode-aware), like the platforms do.
HASHTAG_RE = re.compile(r"(?<![\w&])#(\w{1,150})", re.UNICODE)


@dataclass(frozen=True)
class NormalizedAuthor:
    """Who posted, as the platform knows them."""

    handle: str
    platform_user_id: str | None = None
    display_name: str | None = None
    profile_url: str | None = None


@dataclass(frozen=True)
class MediaItem:
    """One image or video of a post; ``url`` is where it lives on the platform or in our storage."""

    url: str
    type: str = "image"
    alt: str | None = None
    storage_key: str | None = None


@dataclass(frozen=True)
class NormalizedPost:
    """A post mapped to our fields; ``raw`` is the platform payload kept verbatim."""

    platform: str
    platform_id: str
    author: NormalizedAuthor | None
    text: str = ""
    title: str | None = None
    media: tuple[MediaItem, ...] = ()
    permalink: str | None = None
    posted_at: datetime | None = None
    metrics: dict[str, int] = field(default_factory=dict)
    language: str | None = None
    rating: float | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    #: The platform marks the post adult-only (Reddit's ``over_18``).
    nsfw: bool = False


def extract_hashtags(text: str) -> list[str]:
    """Return the distinct hashtags of a text, lower-cased, in order of appearance."""
    seen: dict[str, None] = {}
    for match in HASHTAG_RE.finditer(text or ""):
        seen.setdefault(match.group(1).casefold(), None)
    return list(seen)


def identity_hash(platform: str, *, user_id: str | None, handle: str | None) -> str | None:
    """A hash that identifies an author on a platform: by account id when known, else by handle.

    An erased author is remembered only by such hashes (of their id and of their handle), so their posts
    can be refused when collected again without keeping who they were in clear. A post that carries an
    account id is matched by id only: a handle someone else took later does not make them the erased person.
    """
    if user_id and user_id.strip():
        key = f"{platform}\x1fid\x1f{user_id.strip()}"
    elif handle and handle.strip().lstrip("@"):
        key = f"{platform}\x1fhandle\x1f{handle.strip().lstrip('@').casefold()}"
    else:
        return None
    return hashlib.sha256(key.encode()).hexdigest()
