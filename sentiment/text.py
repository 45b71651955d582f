"""Prepare raw post text for a model: markup out, whitespace folded, length bounded."""

from __future__ import annotations

import html
import re

# A tag starts with a letter, "/" or "!" right after "<", so "I <3 it" and "a < b" survive.
_TAG = re.compile(r"<[A-Za-z/!][^<>]{0,2000}>")
_HIDDEN_BLOCK = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")


def clean_text(text: str, *, max_chars: int | None = None) -> str:
    """Return the readable text of a post: entities decoded, tags dropped, whitespace folded."""
    if max_chars is not None:
        # Cut before the regexes so a 100 KB post costs no more than a long review.
        text = text[: max_chars * 2]
    text = _HIDDEN_BLOCK.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _SPACE.sub(" ", text).strip()
    if max_chars is not None and len(text) > max_chars:
        text = text[:max_chars]
    return text
