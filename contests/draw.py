"""Verifiable draws: freeze the entries, commit to a seed, reveal it, rank, substitute; all hash-chained.

A draw's record is a :class:`Certificate`: the frozen entry ids plus an append-only list of events,
each holding the hash of the one before. Every step below returns a new certificate with one more
event; nothing is ever edited. The caller keeps the seed secret between :func:`commit_seed` and
:func:`reveal_seed`. ``docs/draws.md`` is the specification; ``random`` is never used.

Typical use::

    cert = freeze_entries(ids, draw_id="nightmode-2025", winners=3, alternates=3, at=now,
                          beacon=BeaconRound("drand-quicknet", 123456))
    seed = new_seed()                      # store it secretly
    cert = commit_seed(cert, seed, at=now)  # publish cert.head (and the freeze event) now
    ...                                     # the beacon round comes out
    cert = record_fetched_beacon(cert, source.fetch(123456), at=later)  # or record_beacon(cert, typed_hex)
    cert = reveal_seed(cert, seed, at=later)
    cert = draw_winners(cert, at=later)
"""

from __future__ import annotations

import copy
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from contests.beacon import BeaconReading
from contests.canonical import CanonicalError, loads_strict
from contests.draw_algorithm import (
    ALGORITHM,
    CERTIFICATE_FORMAT,
    GENESIS_PREV,
    SEED_BYTES,
    canonical_order,
    event_hash,
    final_seed,
    is_valid_id,
    list_hash,
    rank_entries,
    seed_commitment,
    select,
)
from contests.draw_schema import DrawFailure, check_body
from contests.draw_verify import (
    RECEIPT_FORMAT,
    ReceiptResult,
    VerificationResult,
    check_receipt_in_certificate,
    verify_certificate,
    verify_receipt,
)
from contests.merkle import inclusion_path, merkle_root

__all__ = [
    "ALGORITHM",
    "BeaconRound",
    "Certificate",
    "DrawError",
    "Event",
    "ReceiptResult",
    "VerificationResult",
    "certificate_from_dict",
    "certificate_to_json",
    "check_receipt_in_certificate",
    "commit_seed",
    "current_winners",
    "draw_winners",
    "freeze_entries",
    "inclusion_receipt",
    "load_certificate",
    "new_seed",
    "record_beacon",
    "record_fetched_beacon",
    "reveal_seed",
    "substitute_winner",
    "verify_certificate",
    "verify_receipt",
]


class DrawError(ValueError):
    """A draw step was asked for out of order or with values the record cannot hold."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class BeaconRound:
    """A public randomness round named before the draw: the source's name and the round number."""

    source: str
    round: int


@dataclass(frozen=True)
class Event:
    """One link of the chain; ``hash`` covers every other field, ``prev`` is the previous link's hash."""

    seq: int
    type: str
    at: str
    prev: str
    body: Mapping[str, Any]
    hash: str

    def to_dict(self) -> dict[str, Any]:
        """Return the event as the JSON object the certificate stores."""
        return {
            "seq": self.seq,
            "type": self.type,
            "at": self.at,
            "prev": self.prev,
            "body": copy.deepcopy(dict(self.body)),
            "hash": self.hash,
        }


@dataclass(frozen=True)
class Certificate:
    """A draw's record so far: the frozen entry ids (canonical order) and the events."""

    entries: tuple[str, ...]
    events: tuple[Event, ...]

    @property
    def head(self) -> str:
        """Return the hash of the last event: publish it to anchor the record as it stands."""
        return self.events[-1].hash

    @property
    def freeze(self) -> Mapping[str, Any]:
        """Return the body of the freeze event (what is announced when entries close)."""
        return self.events[0].body

    def bodies(self, event_type: str) -> list[Mapping[str, Any]]:
        """Return the bodies of the events of one type, in order."""
        return [event.body for event in self.events if event.type == event_type]

    def to_dict(self) -> dict[str, Any]:
        """Return the certificate as the JSON object verifiers read."""
        return {
            "format": CERTIFICATE_FORMAT,
            "entries": list(self.entries),
            "events": [event.to_dict() for event in self.events],
        }


def _timestamp(at: datetime) -> str:
    if at.tzinfo is None:
        raise DrawError("naive_time", "event times must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _append(cert: Certificate | None, event_type: str, body: dict[str, Any], at: datetime) -> Certificate:
    """Append one event after checking it the way the verifier will."""
    seq = len(cert.events) if cert else 0
    try:
        check_body(event_type, body, seq)
    except DrawFailure as failure:
        raise DrawError(failure.code, failure.reason) from failure
    stamp = _timestamp(at)
    if cert and stamp < cert.events[-1].at:
        raise DrawError("time_order", f"{stamp} is before the previous event ({cert.events[-1].at})")
    prev = cert.head if cert else GENESIS_PREV
    envelope = {"seq": seq, "type": event_type, "at": stamp, "prev": prev, "body": body}
    try:
        digest = event_hash(envelope)
    except CanonicalError as exc:
        raise DrawError("malformed", str(exc)) from exc
    event = Event(seq, event_type, stamp, prev, body, digest)
    return Certificate(cert.entries if cert else (), (*cert.events, event) if cert else (event,))


def _stage(cert: Certificate) -> str:
    return cert.events[-1].type


def _expect(cert: Certificate, allowed: Iterable[str], step: str) -> None:
    if _stage(cert) not in allowed:
        raise DrawError("event_order", f"cannot {step} after a {_stage(cert)!r} event")


def freeze_entries(
    entry_ids: Iterable[str],
    *,
    draw_id: str,
    winners: int,
    alternates: int,
    at: datetime,
    beacon: BeaconRound | None = None,
    exclusions: Mapping[str, int] | None = None,
    rules_hash: str | None = None,
) -> Certificate:
    """Freeze the eligible entries: canonical order, list hash, Merkle root, count and the draw plan."""
    ids = list(entry_ids)
    bad = [entry_id for entry_id in ids if not is_valid_id(entry_id)]
    if bad:
        raise DrawError("malformed", f"not valid entry ids: {bad[:5]!r}")
    ordered = canonical_order(ids)
    if len(set(ordered)) != len(ordered):
        raise DrawError("entries_not_canonical", "an entry id appears twice")
    if not ordered:
        raise DrawError("malformed", "there is nothing to draw from")
    body: dict[str, Any] = {
        "algorithm": ALGORITHM,
        "draw_id": draw_id,
        "count": len(ordered),
        "list_hash": list_hash(ordered),
        "merkle_root": merkle_root(ordered),
        "winners": winners,
        "alternates": alternates,
        "beacon": None if beacon is None else {"source": beacon.source, "round": beacon.round},
        "exclusions": dict(exclusions or {}),
        "rules_hash": rules_hash,
    }
    cert = _append(None, "freeze", body, at)
    return Certificate(tuple(ordered), cert.events)


def new_seed() -> bytes:
    """Return 32 bytes from the operating system's CSPRNG (``secrets``): the draw's secret seed."""
    return secrets.token_bytes(SEED_BYTES)


def _check_seed(seed: bytes) -> None:
    if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
        raise DrawError("malformed", f"a seed is exactly {SEED_BYTES} bytes")


def commit_seed(cert: Certificate, seed: bytes, *, at: datetime) -> Certificate:
    """Record the commitment SHA-256(seed); the seed itself stays with the caller until the reveal."""
    _expect(cert, ("freeze",), "commit")
    _check_seed(seed)
    return _append(cert, "commit", {"commitment": seed_commitment(seed)}, at)


def record_beacon(cert: Certificate, value_hex: str, *, at: datetime) -> Certificate:
    """Record the value of the beacon round named at freeze time, once that round is out."""
    planned = cert.freeze["beacon"]
    if planned is None:
        raise DrawError("event_order", "this draw named no beacon round")
    _expect(cert, ("commit",), "record the beacon")
    body = {"source": planned["source"], "round": planned["round"], "value": value_hex.strip().lower()}
    return _append(cert, "beacon", body, at)


def record_fetched_beacon(cert: Certificate, reading: BeaconReading, *, at: datetime) -> Certificate:
    """Record the round fetched from its source, with the URL and the response as received."""
    planned = cert.freeze["beacon"]
    if planned is None:
        raise DrawError("event_order", "this draw named no beacon round")
    if (reading.source, reading.round) != (planned["source"], planned["round"]):
        raise DrawError(
            "beacon_mismatch",
            f"the draw named {planned['source']!r} round {planned['round']}, not {reading.source!r} {reading.round}",
        )
    _expect(cert, ("commit",), "record the beacon")
    body = {
        "source": planned["source"],
        "round": planned["round"],
        "value": reading.randomness,
        "url": reading.url,
        "response": reading.body,
    }
    return _append(cert, "beacon", body, at)


def reveal_seed(cert: Certificate, seed: bytes, *, at: datetime) -> Certificate:
    """Reveal the seed; it must be the one committed to."""
    _expect(cert, ("beacon",) if cert.freeze["beacon"] is not None else ("commit",), "reveal the seed")
    _check_seed(seed)
    if seed_commitment(seed) != cert.bodies("commit")[0]["commitment"]:
        raise DrawError("commitment_mismatch", "this is not the seed that was committed to")
    return _append(cert, "reveal", {"seed": seed.hex()}, at)


def draw_winners(cert: Certificate, *, at: datetime) -> Certificate:
    """Rank every entry by HMAC-SHA256 under the final seed and record winners and alternates."""
    _expect(cert, ("reveal",), "draw")
    freeze = cert.freeze
    beacons = cert.bodies("beacon")
    key = final_seed(
        bytes.fromhex(cert.bodies("reveal")[0]["seed"]),
        draw_id=freeze["draw_id"],
        list_hash=freeze["list_hash"],
        beacon=beacons[0] if beacons else None,
    )
    winners, alternates = select(rank_entries(key, cert.entries), freeze["winners"], freeze["alternates"])
    body = {"final_seed": key.hex(), "winners": list(winners), "alternates": list(alternates)}
    return _append(cert, "result", body, at)


def current_winners(cert: Certificate) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the winners and the alternates still waiting, after every substitution so far."""
    result = cert.bodies("result")
    if not result:
        raise DrawError("event_order", "the draw has not happened yet")
    winners, alternates = list(result[0]["winners"]), list(result[0]["alternates"])
    for substitution in cert.bodies("substitution"):
        winners[winners.index(substitution["replaced"])] = substitution["promoted"]
        alternates.pop(0)
    return tuple(winners), tuple(alternates)


def substitute_winner(cert: Certificate, winner_id: str, *, reason: str, at: datetime) -> Certificate:
    """Replace a winner by the next alternate (no re-draw), recording why."""
    _expect(cert, ("result", "substitution"), "substitute")
    winners, alternates = current_winners(cert)
    if winner_id not in winners:
        raise DrawError("substitution_invalid", f"{winner_id} is not a current winner")
    if not alternates:
        raise DrawError("substitution_invalid", "no alternate is left")
    return _append(cert, "substitution", {"replaced": winner_id, "promoted": alternates[0], "reason": reason}, at)


def certificate_to_json(cert: Certificate) -> str:
    """Serialise a certificate for publication (readable; hashes never depend on this layout)."""
    return json.dumps(cert.to_dict(), ensure_ascii=False, indent=2) + "\n"


def load_certificate(text: str | bytes) -> dict[str, Any]:
    """Parse certificate JSON strictly (no duplicate keys, no floats); raises ``CanonicalError``."""
    data = loads_strict(text)
    if not isinstance(data, dict):
        raise DrawError("malformed", "a certificate is a JSON object")
    return data


def certificate_from_dict(data: Mapping[str, Any], *, anchors: Iterable[str] = ()) -> Certificate:
    """Rebuild a stored certificate to extend it; it must verify (a partial record is fine)."""
    verdict = verify_certificate(data, anchors=anchors, partial=True)
    if not verdict.ok:
        raise DrawError(verdict.code, verdict.reason)
    events = tuple(
        Event(raw["seq"], raw["type"], raw["at"], raw["prev"], copy.deepcopy(raw["body"]), raw["hash"])
        for raw in data["events"]
    )
    return Certificate(tuple(data["entries"]), events)


def inclusion_receipt(cert: Certificate, entry_id: str) -> dict[str, Any]:
    """Return the receipt an entrant keeps: their id, its place and the Merkle path to the frozen root."""
    try:
        index = cert.entries.index(entry_id)
    except ValueError:
        raise DrawError("not_included", f"{entry_id} is not in the frozen list") from None
    freeze = cert.freeze
    return {
        "format": RECEIPT_FORMAT,
        "algorithm": ALGORITHM,
        "draw_id": freeze["draw_id"],
        "entry_id": entry_id,
        "index": index,
        "count": freeze["count"],
        "merkle_root": freeze["merkle_root"],
        "path": inclusion_path(cert.entries, index),
    }
