"""Builders for draw certificates in tests: fixed inputs, and a forger's tools (edit, then re-seal)."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import settings

from contests.beacon import BeaconReading
from contests.draw import (
    BeaconRound,
    Certificate,
    commit_seed,
    current_winners,
    draw_winners,
    freeze_entries,
    record_beacon,
    record_fetched_beacon,
    reveal_seed,
    substitute_winner,
)
from contests.draw_algorithm import GENESIS_PREV, event_hash

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def fixed_seed(label: str) -> bytes:
    """Return a public, reproducible 32-byte seed (test vectors only: real seeds come from ``secrets``)."""
    return hashlib.sha256(f"ugc-hub-draw test seed: {label}".encode()).digest()


def beacon_value(round_number: int) -> str:
    """Return the local test beacon's value for a round (a stand-in for drand's randomness)."""
    return hashlib.sha256(f"local test beacon round {round_number}".encode()).hexdigest()


def _signature(number: int) -> str:
    """96 bytes of hex, the length of a drand BLS signature (a stand-in: nothing here checks it)."""
    seed = f"local test beacon signature {number}".encode()
    return (hashlib.sha512(seed).hexdigest() + hashlib.sha512(seed + b"2").hexdigest())[:192]


def drand_round(number: int) -> dict[str, object]:
    """The JSON object a drand relay returns for a round (``GET /public/{round}``), with our test values."""
    return {
        "round": number,
        "randomness": beacon_value(number),
        "signature": _signature(number),
        "previous_signature": _signature(number - 1),
    }


def drand_body(number: int) -> str:
    """The round as a relay sends it: compact JSON."""
    return json.dumps(drand_round(number), separators=(",", ":"))


def build(
    entries: Sequence[str],
    *,
    draw_id: str = "draw-1",
    winners: int = 2,
    alternates: int = 2,
    seed: bytes | None = None,
    beacon: BeaconRound | None = None,
    substitutions: Sequence[str] = (),
    beacon_url: str | None = None,
    **freeze_options: Any,
) -> Certificate:
    """Run a whole draw on fixed inputs; ``substitutions`` are the reasons, each replacing the first winner.
    With ``beacon_url`` (a template with {round}) the beacon is recorded as fetched from there."""
    seed = seed if seed is not None else fixed_seed(draw_id)
    clock = iter(T0 + timedelta(hours=hour) for hour in range(100))
    cert = freeze_entries(
        entries,
        draw_id=draw_id,
        winners=winners,
        alternates=alternates,
        at=next(clock),
        beacon=beacon,
        **freeze_options,
    )
    cert = commit_seed(cert, seed, at=next(clock))
    if beacon is not None and beacon_url is not None:
        url, body = beacon_url.replace("{round}", str(beacon.round)), drand_body(beacon.round)
        reading = BeaconReading(beacon.source, beacon.round, beacon_value(beacon.round), url, body)
        cert = record_fetched_beacon(cert, reading, at=next(clock))
    elif beacon is not None:
        cert = record_beacon(cert, beacon_value(beacon.round), at=next(clock))
    cert = reveal_seed(cert, seed, at=next(clock))
    cert = draw_winners(cert, at=next(clock))
    for reason in substitutions:
        cert = substitute_winner(cert, current_winners(cert)[0][0], reason=reason, at=next(clock))
    return cert


def reseal(cert: dict[str, Any], start: int = 0) -> dict[str, Any]:
    """Recompute every hash and link from event ``start`` on, as a forger rewriting the record would."""
    events = cert["events"]
    for index in range(start, len(events)):
        event = events[index]
        event["prev"] = events[index - 1]["hash"] if index else GENESIS_PREV
        event["hash"] = event_hash(event)
    return cert


def edited(
    cert: Certificate | dict[str, Any], change: Callable[[dict[str, Any]], object], *, seal: bool = True
) -> dict[str, Any]:
    """Return a copy of a certificate changed by ``change``, re-sealed from the first event unless told not to."""
    data = copy.deepcopy(cert.to_dict() if isinstance(cert, Certificate) else cert)
    change(data)
    return reseal(data) if seal else data


def event_of(data: dict[str, Any], event_type: str, nth: int = 0) -> dict[str, Any]:
    """Return the ``nth`` event of a type in a certificate dict."""
    return [event for event in data["events"] if event["type"] == event_type][nth]


# Property tests here build whole draws per example: 40 examples keep the suite fast and still vary a lot.
PROPERTY = settings(max_examples=40, deadline=None)
