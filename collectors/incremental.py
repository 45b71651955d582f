"""Helpers for incremental runs: a high-water mark with a slack window and a memory of seen ids.

Feeds are not strictly ordered (search indexes lag, hashtag sections mix old and new), so a run
stops below ``high_water - slack`` rather than at the first known item, and skips the ids it
already emitted inside that window. The memory is a ``{id: timestamp}`` dict kept in the cursor
and pruned to the window, so cursors stay small however long a run is.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def as_float(value: Any) -> float | None:
    """Return ``value`` as a float, or ``None`` when it is missing or not a number."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def floor_for(high_water: float | None, slack_seconds: float) -> float | None:
    """Return the oldest timestamp a run still collects, or ``None`` to collect everything."""
    return None if high_water is None else high_water - slack_seconds


def lookback_floor(now: datetime, lookback_days: int) -> float | None:
    """Return the first run's floor from a lookback in days (0 means no limit)."""
    return now.timestamp() - lookback_days * 86400 if lookback_days > 0 else None


def load_seen(cursor: Mapping[str, Any] | None, key: str = "seen") -> dict[str, float]:
    """Read a seen-ids dict from a cursor, ignoring malformed entries."""
    raw = (cursor or {}).get(key) or {}
    if not isinstance(raw, Mapping):
        return {}
    seen = {}
    for item_id, stamp in raw.items():
        value = as_float(stamp)
        if isinstance(item_id, str) and value is not None:
            seen[item_id] = value
    return seen


def prune_seen(seen: Mapping[str, float], floor: float | None, limit: int = 5000) -> dict[str, float]:
    """Keep the ids stamped at or after ``floor``, the newest ``limit`` of them at most."""
    kept = {k: v for k, v in seen.items() if floor is None or v >= floor}
    if len(kept) > limit:
        kept = dict(sorted(kept.items(), key=lambda kv: kv[1], reverse=True)[:limit])
    return kept


def utc_from_timestamp(value: Any) -> datetime | None:
    """Return an aware UTC datetime from an epoch number, or ``None``."""
    stamp = as_float(value)
    return None if stamp is None else datetime.fromtimestamp(stamp, UTC)


def utc_now() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)
