"""The ledger's hashing rules, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ugc_hub.rights.rules import ledger

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def build(n: int) -> list[ledger.StoredEvent]:
    events, prev = [], ledger.GENESIS
    for seq in range(1, n + 1):
        header = ledger.EventHeader(seq, T0 + timedelta(seconds=seq), "granted", 1, seq, seq, 7)
        payload = ledger.canonical_json({"seq": seq, "text": f"reply {seq} #YesLumen <script>"})
        payload_hash = ledger.sha256_text(payload)
        chained = ledger.chain_hash(prev, header, payload_hash)
        events.append(ledger.StoredEvent(header, payload, payload_hash, prev, chained))
        prev = chained
    return events


def test_canonical_json_is_one_text_per_payload() -> None:
    a = ledger.canonical_json({"b": 1, "a": "é", "at": T0})
    b = ledger.canonical_json({"at": T0.astimezone(), "a": "é", "b": 1})
    assert a == b == '{"a":"é","at":"2026-11-23T12:00:00.000000+00:00","b":1}'
    with pytest.raises(ValueError, match="timezone-aware"):
        ledger.canonical_json({"at": datetime(2026, 1, 1)})


def test_an_intact_chain_verifies() -> None:
    result = ledger.verify(build(5))
    assert result.ok and result.events == 5


def test_an_edited_payload_is_named() -> None:
    events = build(5)
    events[2] = replace(events[2], payload=events[2].payload.replace("reply 3", "reply 9"))  # type: ignore[union-attr]
    result = ledger.verify(events)
    assert result.problem == ledger.Problem(3, "payload does not match its hash (edited)")


def test_a_rehashed_payload_still_breaks_the_chain() -> None:
    events = build(5)
    forged = ledger.canonical_json({"seq": 3, "text": "forged"})
    events[2] = replace(events[2], payload=forged, payload_hash=ledger.sha256_text(forged))
    result = ledger.verify(events)
    assert result.problem is not None and result.problem.seq == 3
    assert "chain hash" in result.problem.reason


def test_moved_headers_removed_events_and_reordering_are_detected() -> None:
    events = build(5)
    moved = replace(events[1], header=replace(events[1].header, post_id=99))
    assert ledger.verify([events[0], moved, *events[2:]]).problem == ledger.Problem(
        2, "chain hash does not match (event or order edited)"
    )
    assert ledger.verify([events[0], *events[2:]]).problem == ledger.Problem(3, "sequence gap: expected event 2")
    swapped = [events[0], events[2], events[1]]
    assert not ledger.verify(swapped).ok


def test_a_redacted_payload_keeps_the_chain_verifiable() -> None:
    events = build(4)
    events[1] = replace(events[1], payload=None)
    result = ledger.verify(events)
    assert result.ok and result.redacted == 1
