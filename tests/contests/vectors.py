"""Build the published test vectors of contests/test_vectors/ from fixed, public inputs.

Regenerate after a deliberate change of the files' content with ``python -m tests.contests.vectors``;
``test_vectors.py`` fails whenever the code and the published files disagree.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from contests.draw import BeaconRound, Certificate, inclusion_receipt, verify_certificate
from tests.contests.support import build, edited, event_of, fixed_seed

VECTOR_DIR = Path(__file__).resolve().parents[2] / "contests" / "test_vectors"
MANIFEST = "manifest.json"
NAMESPACE = uuid.UUID("6f1c1d0e-2b7a-4c55-9a53-0c1f4f2e9b11")  # fixed so the ids are reproducible


def _uuids(count: int) -> list[str]:
    return [str(uuid.uuid5(NAMESPACE, f"entry {number}")) for number in range(count)]


def _simple() -> Certificate:
    return build(
        [f"entry-{number:02d}" for number in (7, 3, 10, 1, 5, 2, 9, 4, 8, 6)],  # given unsorted on purpose
        draw_id="vector-simple",
        winners=2,
        alternates=2,
        exclusions={"missing_hashtag": 1, "staff": 1, "under_age": 2},
        rules_hash="a" * 64,
    )


def _beacon() -> Certificate:
    return build(
        _uuids(25),
        draw_id="vector-beacon",
        winners=3,
        alternates=3,
        beacon=BeaconRound("local-test-beacon", 1042),
        substitutions=["n'a pas répondu sous 14 jours", "declined the prize\t(ticket #42)"],
    )


FETCHED_FROM = "https://beacon.example/public/{round}"  # a reserved domain: the vectors fetch nothing


def _fetched() -> Certificate:
    return build(
        _uuids(12),
        draw_id="vector-beacon-fetched",
        winners=2,
        alternates=2,
        beacon=BeaconRound("local-test-beacon", 2048),
        beacon_url=FETCHED_FROM,
    )


def _single() -> Certificate:
    return build(["only-entry"], draw_id="vector-single", winners=1, alternates=2)


def _tampered(base: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any], str]]:
    """Name each tampered variant: (description, certificate, expected failure code)."""

    def change_entry(data: dict[str, Any]) -> None:
        data["entries"][4] = data["entries"][4][:-1] + ("0" if data["entries"][4][-1] != "0" else "1")

    def swap_winners(data: dict[str, Any]) -> None:
        winners = event_of(data, "result")["body"]["winners"]
        winners[0], winners[1] = winners[1], winners[0]

    def set_in(event_type: str, key: str, value: Any, nth: int = 0) -> Any:
        return lambda data: event_of(data, event_type, nth)["body"].__setitem__(key, value)

    def drop_event(data: dict[str, Any]) -> None:
        del data["events"][5]

    def break_hash(data: dict[str, Any]) -> None:
        event = data["events"][2]
        event["hash"] = ("1" if event["hash"][0] == "0" else "0") + event["hash"][1:]

    def antedate(data: dict[str, Any]) -> None:
        event_of(data, "result")["at"] = "2025-02-28T00:00:00Z"

    third_alternate = event_of(base, "result")["body"]["alternates"][2]
    return {
        "tampered-entry-changed": (
            "one entry id changed",
            edited(base, change_entry, seal=False),
            "list_hash_mismatch",
        ),
        "tampered-entry-added": (
            "an entry appended to the list",
            edited(base, lambda data: data["entries"].append("zzzz-late-entry"), seal=False),
            "count_mismatch",
        ),
        "tampered-entry-removed": (
            "an entry removed",
            edited(base, lambda d: d["entries"].pop(3), seal=False),
            "count_mismatch",
        ),
        "tampered-count": (
            "the frozen count changed, chain re-sealed",
            edited(base, set_in("freeze", "count", 24)),
            "count_mismatch",
        ),
        "tampered-seed": (
            "another seed revealed, chain re-sealed",
            edited(base, set_in("reveal", "seed", fixed_seed("other").hex())),
            "commitment_mismatch",
        ),
        "tampered-seed-unsealed": (
            "another seed revealed, hashes left alone",
            edited(base, set_in("reveal", "seed", fixed_seed("other").hex()), seal=False),
            "event_hash_mismatch",
        ),
        "tampered-beacon-value": (
            "another beacon value, chain re-sealed",
            edited(base, set_in("beacon", "value", "ab" * 32)),
            "final_seed_mismatch",
        ),
        "tampered-beacon-round": (
            "a later beacon round than the one named, chain re-sealed",
            edited(base, set_in("beacon", "round", 1043)),
            "beacon_mismatch",
        ),
        "tampered-winners-order": (
            "first two winners swapped, chain re-sealed",
            edited(base, swap_winners),
            "winners_mismatch",
        ),
        "tampered-event-hash": ("one event hash altered", edited(base, break_hash, seal=False), "event_hash_mismatch"),
        "tampered-event-removed": (
            "the first substitution deleted from the chain",
            edited(base, drop_event, seal=False),
            "chain_broken",
        ),
        "tampered-substitution": (
            "a substitution skipping the next alternate, chain re-sealed",
            edited(base, set_in("substitution", "promoted", third_alternate)),
            "substitution_invalid",
        ),
        "tampered-algorithm": (
            "an unknown algorithm version, chain re-sealed",
            edited(base, set_in("freeze", "algorithm", "ugc-hub-draw/2")),
            "unsupported_algorithm",
        ),
        "tampered-time": ("the result dated before the freeze, chain re-sealed", edited(base, antedate), "time_order"),
    }


def build_vectors() -> dict[str, Any]:
    """Return every vector file's content by name, the manifest included."""
    simple, beacon, single = _simple(), _beacon(), _single()
    base = beacon.to_dict()
    anchor = beacon.events[1].hash  # what the operator published at entry close: the commit event's hash
    forged = build(
        [*_uuids(24), "forged-entry"],
        draw_id="vector-beacon",
        winners=3,
        alternates=3,
        beacon=BeaconRound("local-test-beacon", 1042),
    )
    files: dict[str, Any] = {}
    certificates: list[dict[str, Any]] = []

    def add(name: str, description: str, data: dict[str, Any], code: str, anchors: list[str] | None = None) -> None:
        files[f"{name}.json"] = data
        record: dict[str, Any] = {
            "file": f"{name}.json",
            "description": description,
            "anchors": anchors or [],
            "code": code,
        }
        if code == "ok":
            verdict = verify_certificate(data, anchors=anchors or [])
            record |= {"winners": list(verdict.winners), "alternates": list(verdict.alternates)}
        certificates.append(record)

    add("valid-simple", "10 entries, 2 winners, 2 alternates, no beacon", simple.to_dict(), "ok")
    add("valid-beacon-substitutions", "25 entries, a local beacon round, two substitutions", base, "ok", [anchor])
    add("valid-single-entry", "one entry, more places than entries", single.to_dict(), "ok")
    fetched = _fetched().to_dict()
    add(
        "valid-beacon-fetched",
        "12 entries, the beacon round fetched by the hub: its address and the answer as received",
        fetched,
        "ok",
    )
    add(
        "tampered-beacon-response",
        "the beacon value and the answer's randomness disagree, chain re-sealed",
        edited(fetched, lambda data: event_of(data, "beacon")["body"].__setitem__("value", "cd" * 32)),
        "beacon_response_mismatch",
    )
    for name, (description, data, code) in _tampered(base).items():
        add(name, description, data, code)
    add(
        "tampered-rewritten",
        "the whole record rebuilt on another list; the anchor published at freeze exposes it",
        forged.to_dict(),
        "anchor_missing",
        [anchor],
    )
    add(
        "incomplete",
        "frozen and committed, not drawn yet",
        edited(base, lambda data: data["events"].__delitem__(slice(2, None)), seal=False),
        "incomplete",
    )

    receipt = inclusion_receipt(beacon, beacon.entries[7])
    receipts = {
        "receipt-valid": (receipt, "ok"),
        "receipt-wrong-path": ({**receipt, "path": ["0" * 64, *receipt["path"][1:]]}, "not_included"),
        "receipt-not-entered": ({**receipt, "entry_id": "not-an-entrant"}, "not_included"),
        "receipt-other-draw": ({**receipt, "draw_id": "another-draw"}, "wrong_draw"),
    }
    receipt_records = []
    for name, (content, code) in receipts.items():
        files[f"{name}.json"] = content
        receipt_records.append({"file": f"{name}.json", "certificate": "valid-beacon-substitutions.json", "code": code})
    files[MANIFEST] = {
        "algorithm": "ugc-hub-draw/1",
        "about": "Published test vectors: run any verifier on each certificate and compare with 'code'.",
        "certificates": certificates,
        "receipts": receipt_records,
    }
    return files


def dump(content: Any) -> str:
    """Lay a vector file out the way it is published."""
    return json.dumps(content, ensure_ascii=False, indent=2) + "\n"


def write_vectors(directory: Path = VECTOR_DIR) -> None:
    """Write every vector file into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in build_vectors().items():
        (directory / name).write_text(dump(content), encoding="utf-8")


if __name__ == "__main__":
    write_vectors()
