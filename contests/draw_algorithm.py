"""The arithmetic of draw algorithm ``ugc-hub-draw/1``: list hash, commitment, final seed, ranking.

Pure functions over bytes and strings; ``docs/draws.md`` defines each one in words.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from contests.canonical import canonical_json, sha256_hex

ALGORITHM = "ugc-hub-draw/1"
CERTIFICATE_FORMAT = "ugc-hub-draw-certificate"
GENESIS_PREV = "0" * 64  # the "previous hash" of the first event

# Opaque ids (random UUIDs, "ig:1234"): ASCII only, so canonical order is plain byte order everywhere.
ID_RE = re.compile(r"[A-Za-z0-9._:~-]{1,128}")
HEX64_RE = re.compile(r"[0-9a-f]{64}")
SEED_BYTES = 32

EVENT_TYPES = ("freeze", "commit", "beacon", "reveal", "result", "substitution")


def is_valid_id(value: object) -> bool:
    """Tell whether a value may serve as an entry id or draw id."""
    return isinstance(value, str) and ID_RE.fullmatch(value) is not None


def canonical_order(entry_ids: Iterable[str]) -> list[str]:
    """Sort entry ids by their UTF-8 bytes (for our ASCII ids, the same as code point order)."""
    return sorted(entry_ids, key=lambda entry_id: entry_id.encode("utf-8"))


def list_hash(entry_ids: Sequence[str]) -> str:
    """Hash the frozen list: SHA-256 of the canonical JSON array of ids, in canonical order."""
    return sha256_hex(canonical_json(list(entry_ids)))


def seed_commitment(seed: bytes) -> str:
    """Commit to a seed: the hex SHA-256 of its 32 raw bytes."""
    return hashlib.sha256(seed).hexdigest()


def final_seed(seed: bytes, *, draw_id: str, list_hash: str, beacon: Mapping[str, Any] | None) -> bytes:
    """Mix the revealed seed with the draw, the list and the beacon round (or null) into the ranking key."""
    message = canonical_json({"algorithm": ALGORITHM, "beacon": beacon, "draw_id": draw_id, "list_hash": list_hash})
    return hmac.new(seed, message, hashlib.sha256).digest()


def entry_score(key: bytes, entry_id: str) -> bytes:
    """Score one entry: HMAC-SHA256 keyed by the final seed over the id's UTF-8 bytes."""
    return hmac.new(key, entry_id.encode("utf-8"), hashlib.sha256).digest()


def rank_entries(key: bytes, entry_ids: Iterable[str]) -> list[str]:
    """Order entries by score ascending; equal scores (never seen in practice) fall back to id bytes."""
    return sorted(entry_ids, key=lambda entry_id: (entry_score(key, entry_id), entry_id.encode("utf-8")))


def select(ranking: Sequence[str], winners: int, alternates: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split a ranking into the first ``winners`` and the next ``alternates`` (fewer if entries run out)."""
    return tuple(ranking[:winners]), tuple(ranking[winners : winners + alternates])


def event_hash(envelope: Mapping[str, Any]) -> str:
    """Hash an event: SHA-256 of the canonical JSON of its seq, type, at, prev and body."""
    return sha256_hex(canonical_json({key: envelope[key] for key in ("seq", "type", "at", "prev", "body")}))
