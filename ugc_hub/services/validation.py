"""Checks a normalized post must pass before it is stored; each failure is a sentence for a person."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from ugc_hub.domain.posts import PLATFORMS, MediaItem, NormalizedAuthor, NormalizedPost

MAX_ID_LENGTH = 255
MAX_TEXT_LENGTH = 1_000_000
#: Display names are a few dozen characters on every platform; 200 leaves room, 10 MB does not.
MAX_AUTHOR_NAME_LENGTH = 200
#: Far above any real URL (signed CDN links run to about 1,000), far below a flood.
MAX_URL_LENGTH = 8192
MAX_LANGUAGE_LENGTH = 16
MAX_MEDIA_TYPE_LENGTH = 32
MAX_METRIC = 2**63 - 1
#: Platform payloads are a few levels deep; deeper ones break JSON encoders and PostgreSQL's parser.
MAX_RAW_DEPTH = 100

# PostgreSQL refuses NUL in text and JSON, and UTF-8 cannot encode a UTF-16 surrogate on its own (which
# JSON's "\ud83d" escape can still produce): no database stores these, so the post is refused.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# "\u0000" in encoded JSON, unless its backslash is itself escaped (a literal backslash then "u0000").
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


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


def storable(value: str) -> str:
    """``value`` with what no database stores replaced by U+FFFD: for echoing bad input in reports."""
    return _UNSTORABLE.sub("\ufffd", value)


def unstorable(name: str, value: str) -> str | None:
    """Why ``value`` cannot be stored, or None."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return f"{name} contains a NUL character"
    return f"{name} contains a character that cannot be stored (a lone UTF-16 surrogate)"


def _text(found: list[str], name: str, value: Any, *, limit: int) -> bool:
    """Check an optional text field; True when it is a usable string."""
    if value is None:
        return False
    if not isinstance(value, str):
        found.append(f"{name} must be text")
        return False
    if len(value) > limit:
        found.append(f"{name} is longer than {limit} characters")
        return False
    problem = unstorable(name, value)
    if problem:
        found.append(problem)
        return False
    return True


def _url(found: list[str], name: str, value: Any, *, message: str) -> None:
    if _text(found, name, value, limit=MAX_URL_LENGTH) and not is_web_url(value):
        found.append(message)


def problems(post: NormalizedPost) -> list[str]:
    """Return what is wrong with a post; an empty list means it can be stored."""
    return checked(post)[0]


def checked(post: NormalizedPost) -> tuple[list[str], str]:
    """What is wrong with a post, and its raw payload as JSON (encoded once, for storage too).

    Every field is checked for what the database would refuse (type, length, NUL, lone surrogates),
    so one bad post is reported with its reason instead of failing the whole batch.
    """
    found: list[str] = []
    if not isinstance(post.platform, str) or post.platform not in PLATFORMS:
        found.append(f"unknown platform {post.platform!r} (expected one of {', '.join(sorted(PLATFORMS))})")
    if not isinstance(post.platform_id, str) or not post.platform_id.strip():
        found.append("platform_id is required")
    else:
        _text(found, "platform_id", post.platform_id, limit=MAX_ID_LENGTH)
    if not isinstance(post.text, str):
        found.append("text must be a string")
    else:
        _text(found, "text", post.text, limit=MAX_TEXT_LENGTH)
    _text(found, "title", post.title, limit=MAX_TEXT_LENGTH)
    if post.author is not None:
        _check_author(found, post.author)
    _url(found, "permalink", post.permalink, message="permalink must be an http(s) URL")
    for item in post.media:
        _check_media(found, item)
    _check_posted_at(found, post.posted_at)
    _text(found, "language", post.language, limit=MAX_LANGUAGE_LENGTH)
    # NaN fails every comparison, and comparing leaves a huge int as it is (float() would overflow).
    if post.rating is not None and (
        not isinstance(post.rating, (int, float)) or isinstance(post.rating, bool) or not 0 <= post.rating <= 5
    ):
        found.append("rating must be a number from 0 to 5")
    for key, count in post.metrics.items():
        if not isinstance(key, str) or unstorable("metric", key):
            found.append(f"metric names must be text: {key!r}"[:120])
        elif not isinstance(count, int) or isinstance(count, bool) or count < 0:
            found.append(f"metric {key!r} must be a whole number ≥ 0")
        elif count > MAX_METRIC:
            found.append(f"metric {key!r} is larger than {MAX_METRIC}")
    encoded = _raw_json(found, post.raw)
    return found, encoded


def _check_author(found: list[str], author: NormalizedAuthor) -> None:
    handle = author.handle
    if not isinstance(handle, str) or not handle or len(handle) > MAX_ID_LENGTH:
        found.append("author handle must be 1 to 255 characters")
    elif (
        _text(found, "author handle", handle, limit=MAX_ID_LENGTH)
        and not author.platform_user_id
        # Without an account id the author is known by "@" + handle, case-folded, in a 255-character key.
        and len("@" + handle.lstrip("@").casefold()) > MAX_ID_LENGTH
    ):
        found.append("author handle must be at most 254 characters when no author id is given")
    _text(found, "author id", author.platform_user_id, limit=MAX_ID_LENGTH)
    _text(found, "author name", author.display_name, limit=MAX_AUTHOR_NAME_LENGTH)
    _url(found, "author profile URL", author.profile_url, message="author profile URL must be an http(s) URL")


def _check_media(found: list[str], item: MediaItem) -> None:
    has_key = _text(found, "media storage key", item.storage_key, limit=MAX_ID_LENGTH)
    if not isinstance(item.url, str):
        found.append("media URL must be text")
    elif _text(found, "media URL", item.url, limit=MAX_URL_LENGTH) and not is_web_url(item.url) and not has_key:
        found.append(f"media URL must be an http(s) URL: {item.url[:80]!r}")
    if not isinstance(item.type, str):
        found.append("media type must be text")
    else:
        _text(found, "media type", item.type, limit=MAX_MEDIA_TYPE_LENGTH)
    _text(found, "media alt text", item.alt, limit=MAX_TEXT_LENGTH)


def _check_posted_at(found: list[str], posted_at: Any) -> None:
    if posted_at is None:
        return
    if not isinstance(posted_at, datetime):
        found.append("posted_at must be a date-time")
    elif posted_at.tzinfo is None:
        found.append("posted_at must carry a time zone")
    else:
        try:
            posted_at.astimezone(UTC)
        except OverflowError:
            # e.g. 9999-12-31T23:00-05:00: a valid date whose UTC time is past year 9999
            found.append("posted_at is out of range")


def _raw_json(found: list[str], raw: Any) -> str:
    """The raw payload as JSON, or "" with the reason added to ``found``."""
    if not isinstance(raw, dict):
        found.append("raw payload must be a JSON object")
        return ""
    try:
        encoded = json.dumps(raw, ensure_ascii=True, allow_nan=False)
    except RecursionError:
        found.append(f"raw payload is nested more than {MAX_RAW_DEPTH} levels deep")
        return ""
    except (TypeError, ValueError) as exc:
        found.append(f"raw payload is not JSON: {exc}")
        return ""
    if "\\u0000" in encoded and _NUL_ESCAPE.search(encoded):
        found.append("raw payload contains a NUL character")
    # ensure_ascii writes every character beyond U+FFFF as a pair of "\ud…" escapes: look closer only then.
    if "\\ud" in encoded and _SURROGATE.search(json.dumps(raw, ensure_ascii=False)):
        found.append("raw payload contains a character that cannot be stored (a lone UTF-16 surrogate)")
    if encoded.count("[") + encoded.count("{") > MAX_RAW_DEPTH and _deeper_than(raw, MAX_RAW_DEPTH):
        found.append(f"raw payload is nested more than {MAX_RAW_DEPTH} levels deep")
    return encoded


def _deeper_than(value: Any, limit: int) -> bool:
    """True when lists and objects nest more than ``limit`` levels (iterative: no recursion limit)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
