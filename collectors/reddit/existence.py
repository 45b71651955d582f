"""Re-check stored Reddit posts through ``reddit.info(fullnames=...)``: still up, or gone and why.

``/api/info`` answers up to 100 fullnames (``t3_`` submissions, ``t1_`` comments) per request and leaves
out what no longer exists. What it returns may still be gone: a post its author deleted keeps its title
but shows ``[deleted]`` as body and author, a removed one ``[removed]`` and a ``removed_by_category``,
and an author whose account was deleted shows as ``[deleted]`` (praw turns that author into ``None``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from collectors.errors import ConfigurationError
from collectors.reddit.mapping import DELETED
from collectors.reddit.settings import credentials

#: Reddit's own limit of fullnames per ``/api/info`` request.
INFO_BATCH = 100


def gone_reason(data: Mapping[str, Any]) -> str | None:
    """Why a thing ``/api/info`` returned is gone (``deleted``, ``removed``, ``author_deleted``), or None."""
    body = data.get("selftext") if "selftext" in data else data.get("body")
    category = data.get("removed_by_category")
    if body == "[deleted]" or category == "deleted":
        return "deleted"
    if body == "[removed]" or category:
        return "removed"
    author = data.get("author")
    if author is None or str(author) in DELETED:
        return "author_deleted"
    return None


def check_exists(settings: Mapping[str, Any], fullnames: Sequence[str]) -> dict[str, str | None]:
    """One ``/api/info`` request for up to 100 fullnames; ``not_found`` for those Reddit left out."""
    from collectors.reddit.client import build_reddit, reddit_errors

    if len(fullnames) > INFO_BATCH:
        raise ValueError(f"at most {INFO_BATCH} fullnames per request, got {len(fullnames)}")
    asked = list(dict.fromkeys(fullnames))
    bad = [f for f in asked if not (f.startswith(("t1_", "t3_")) and f[3:].isalnum())]
    if bad:
        raise ConfigurationError(f"not Reddit submission or comment fullnames: {', '.join(bad[:5])}")
    if not asked:
        return {}
    reddit = build_reddit(credentials(settings))
    with reddit_errors(f"re-checking {len(asked)} posts"):
        found = {str(thing.fullname): vars(thing) for thing in reddit.info(fullnames=asked)}
    return {f: gone_reason(found[f]) if f in found else "not_found" for f in asked}
