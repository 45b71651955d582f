"""Helpers for incremental runs: a high-water mark with a slack window and a memory of seen ids.

Feeds are not strictly ordered (search indexes lag, hashtag sections mix old and new), so a run
stops below ``high_water - slack`` rather than at the first known item, and skips the ids it
already emitted inside that window. The memory is a ``{id: timestamp}`` dict kept in the cursor
and pruned to the window, so cursors stay small however long a run is.

``Watermark`` and ``RunMarks`` are that cursor, typed: every incremental collector stores them under the
same keys (``high_water`` and ``seen`` at the top, ``floor``, ``high_water`` and ``seen`` in ``run``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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


@dataclass
class RunMarks:
    """What a run under way has collected: the floor it walks down to, its newest item, the ids it emitted.

    Stored in a cursor's ``run`` as ``{"floor", "high_water", "seen"}``.
    """

    floor: float | None
    high_water: float | None = None
    seen: dict[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, run: Mapping[str, Any]) -> RunMarks:
        """Read the marks of a stored ``run``."""
        return cls(as_float(run.get("floor")), as_float(run.get("high_water")), load_seen(run))

    def mark(self, item_id: str, stamp: float | None) -> None:
        """Remember an emitted item; one without a time cannot be placed in the window, so it is not kept."""
        if stamp is not None:
            self.seen[item_id] = stamp
            self.high_water = stamp if self.high_water is None else max(self.high_water, stamp)

    def dump(self) -> dict[str, Any]:
        """Return the marks as stored in a cursor's ``run``."""
        return {"floor": self.floor, "high_water": self.high_water, "seen": self.seen}


@dataclass
class Watermark:
    """The resting state between runs: the newest item ever collected and the ids seen in the slack window.

    Stored in a cursor as ``{"high_water", "seen"}``.
    """

    high_water: float | None
    seen: dict[str, float]

    @classmethod
    def load(cls, cursor: Mapping[str, Any] | None) -> Watermark:
        """Read the watermark of a stored cursor (``None`` or malformed values give an empty one)."""
        return cls(as_float((cursor or {}).get("high_water")), load_seen(cursor))

    def first_floor(self, slack_seconds: float, now: datetime, lookback_days: int) -> float | None:
        """Return the floor of a new run: the slack below the watermark, or the lookback on a first run."""
        if self.high_water is not None:
            return floor_for(self.high_water, slack_seconds)
        return lookback_floor(now, lookback_days)

    def knows(self, item_id: str, run: RunMarks) -> bool:
        """Return whether this run or an earlier one already emitted ``item_id``."""
        return item_id in self.seen or item_id in run.seen

    def absorb(self, run: RunMarks, slack_seconds: float) -> Watermark:
        """Return the watermark after a finished run: the newest mark, ids pruned to the new slack window."""
        marks = [v for v in (self.high_water, run.high_water) if v is not None]
        high_water = max(marks) if marks else None
        return Watermark(high_water, prune_seen({**self.seen, **run.seen}, floor_for(high_water, slack_seconds)))

    def dump(self) -> dict[str, Any]:
        """Return the watermark as stored at the top of a cursor."""
        return {"high_water": self.high_water, "seen": self.seen}
