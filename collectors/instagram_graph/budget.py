"""The Graph API's hashtag budget: 30 unique hashtags per business account over a rolling 7 days.

Meta counts a hashtag from its first query; querying it again inside the 7 days costs nothing and
does not restart its timer. Usage is kept as ``{hashtag: first query (epoch seconds)}``; an entry
older than the window is spent and the next query of that hashtag starts a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

WINDOW_SECONDS = 7 * 86400
LIMIT = 30


def live(usage: Mapping[str, float], now: float) -> dict[str, float]:
    """The hashtags that still hold a slot at ``now``."""
    return {tag: at for tag, at in usage.items() if now - at < WINDOW_SECONDS}


def merge(*usages: Mapping[str, float]) -> dict[str, float]:
    """One usage from several sources of the same account: each hashtag's earliest live query."""
    merged: dict[str, float] = {}
    for usage in usages:
        for tag, at in usage.items():
            merged[tag] = min(at, merged.get(tag, at))
    return merged


@dataclass(frozen=True)
class Decision:
    allowed: bool
    #: When a slot frees up (epoch seconds), for a refused hashtag.
    retry_at: float | None = None


def admit(tag: str, usage: Mapping[str, float], now: float, limit: int = LIMIT) -> Decision:
    """May ``tag`` be queried now, given the account's usage?"""
    slots = live(usage, now)
    if tag in slots or len(slots) < limit:
        return Decision(True)
    return Decision(False, retry_at=min(slots.values()) + WINDOW_SECONDS)


def spend(tag: str, usage: Mapping[str, float], now: float) -> dict[str, float]:
    """The usage after querying ``tag`` at ``now`` (its first query in the window starts its timer)."""
    slots = live(usage, now)
    if tag not in slots:
        slots[tag] = now
    return slots
