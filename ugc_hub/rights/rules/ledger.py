"""The consent ledger's hashing rules: canonical payloads, chained hashes, and their verification.

Each event is a canonical JSON payload (sorted keys, no spaces, UTF-8) and a header of the columns
that index it. ``payload_hash = sha256(payload)``; ``chain_hash = sha256(prev_chain_hash ":" seq ":"
sha256(header) ":" payload_hash)``. Changing any past payload, header column or the order breaks the
chain from that event on. Erasure may drop a payload (it keeps ``payload_hash``), so the chain still
verifies while the personal data is gone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

GENESIS = "0" * 64


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("ledger datetimes must be timezone-aware")
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot put {type(value).__name__} in a ledger payload")


def canonical_json(payload: Mapping[str, Any]) -> str:
    """One text for one payload: datetimes in UTC ISO form, keys sorted, no insignificant spaces."""
    return json.dumps(_plain(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class EventHeader:
    """The indexed columns of an event; hashed into the chain so they cannot be moved either."""

    seq: int
    at: datetime
    kind: str
    workspace_id: int | None
    post_id: int | None
    request_id: int | None
    author_id: int | None

    def digest(self) -> str:
        return sha256_text(
            canonical_json(
                {
                    "seq": self.seq,
                    "at": self.at,
                    "kind": self.kind,
                    "workspace_id": self.workspace_id,
                    "post_id": self.post_id,
                    "request_id": self.request_id,
                    "author_id": self.author_id,
                }
            )
        )


def chain_hash(prev_hash: str, header: EventHeader, payload_hash: str) -> str:
    return sha256_text(f"{prev_hash}:{header.seq}:{header.digest()}:{payload_hash}")


@dataclass(frozen=True)
class StoredEvent:
    """An event as read back from storage."""

    header: EventHeader
    payload: str | None
    payload_hash: str
    prev_hash: str
    chain_hash: str


@dataclass(frozen=True)
class Problem:
    """The first event that does not verify, and why."""

    seq: int
    reason: str


@dataclass(frozen=True)
class Verification:
    events: int
    redacted: int
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(events: Iterable[StoredEvent]) -> Verification:
    """Check every stored payload against its hash and every link of the chain, in ``seq`` order."""
    prev, expected_seq, count, redacted = GENESIS, 1, 0, 0
    for event in events:
        count += 1
        seq = event.header.seq
        if seq != expected_seq:
            return Verification(count, redacted, Problem(seq, f"sequence gap: expected event {expected_seq}"))
        if event.prev_hash != prev:
            return Verification(count, redacted, Problem(seq, "previous hash does not match the event before it"))
        if event.payload is None:
            redacted += 1
        elif sha256_text(event.payload) != event.payload_hash:
            return Verification(count, redacted, Problem(seq, "payload does not match its hash (edited)"))
        if chain_hash(prev, event.header, event.payload_hash) != event.chain_hash:
            return Verification(count, redacted, Problem(seq, "chain hash does not match (event or order edited)"))
        prev, expected_seq = event.chain_hash, seq + 1
    return Verification(count, redacted, None)
