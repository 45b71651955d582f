"""Verify draw certificates and inclusion receipts: the reference checks of ``docs/draws.md``.

The checks run in the documented order and stop at the first failure, so every correct verifier
(this one, ``verify_draw_standalone.py``, a third party's) reports the same code for the same record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from contests.canonical import CanonicalError
from contests.draw_algorithm import (
    ALGORITHM,
    CERTIFICATE_FORMAT,
    GENESIS_PREV,
    event_hash,
    final_seed,
    is_valid_id,
    list_hash,
    rank_entries,
    seed_commitment,
    select,
)
from contests.draw_schema import DrawFailure, check_body, check_envelope, is_hex64, is_int, malformed, require_keys
from contests.merkle import merkle_root, root_from_path

TOP_KEYS = frozenset({"format", "entries", "events"})
RECEIPT_FORMAT = "ugc-hub-draw-receipt"
RECEIPT_KEYS = frozenset({"format", "algorithm", "draw_id", "entry_id", "index", "count", "merkle_root", "path"})
DONE = ("result", "substitution")


@dataclass(frozen=True)
class VerificationResult:
    """The verdict on a certificate, with what could be recomputed before any failure.

    ``winners`` and ``alternates`` are the current ones (after the substitutions that verified);
    ``drawn_winners`` and ``drawn_alternates`` are those of the draw itself, recomputed.
    """

    ok: bool
    code: str
    reason: str
    draw_id: str | None = None
    count: int | None = None
    winners: tuple[str, ...] = ()
    alternates: tuple[str, ...] = ()
    drawn_winners: tuple[str, ...] = ()
    drawn_alternates: tuple[str, ...] = ()
    beacon: Mapping[str, Any] | None = None
    substitutions: tuple[Mapping[str, Any], ...] = ()
    complete: bool = False


@dataclass
class _Found:
    """What the checks have established so far (reported even when a later check fails)."""

    draw_id: str | None = None
    count: int | None = None
    winners: list[str] = field(default_factory=list)
    alternates: list[str] = field(default_factory=list)
    drawn_winners: tuple[str, ...] = ()
    drawn_alternates: tuple[str, ...] = ()
    beacon: Mapping[str, Any] | None = None
    substitutions: list[Mapping[str, Any]] = field(default_factory=list)
    complete: bool = False

    def result(self, ok: bool, code: str, reason: str) -> VerificationResult:
        return VerificationResult(
            ok=ok,
            code=code,
            reason=reason,
            draw_id=self.draw_id,
            count=self.count,
            winners=tuple(self.winners),
            alternates=tuple(self.alternates),
            drawn_winners=self.drawn_winners,
            drawn_alternates=self.drawn_alternates,
            beacon=self.beacon,
            substitutions=tuple(self.substitutions),
            complete=self.complete,
        )


def verify_certificate(
    certificate: Mapping[str, Any], *, anchors: Iterable[str] = (), partial: bool = False
) -> VerificationResult:
    """Recompute a draw from its certificate and say whether every recorded step holds.

    ``anchors`` are event hashes published earlier (at freeze time, say); each must be in the chain,
    which is what stops an operator from rewriting the whole record. ``partial`` accepts a record
    that stops before the result (between freeze and draw).
    """
    found = _Found()
    try:
        _verify(certificate, tuple(anchors), partial, found)
    except DrawFailure as failure:
        return found.result(False, failure.code, failure.reason)
    reason = "the certificate verifies" if found.complete else "the record verifies so far (no result yet)"
    return found.result(True, "ok", reason)


def _verify(certificate: object, anchors: Sequence[str], partial: bool, found: _Found) -> None:
    certificate = require_keys(certificate, TOP_KEYS, "the certificate")
    if certificate["format"] != CERTIFICATE_FORMAT:
        raise malformed(f"format must be {CERTIFICATE_FORMAT!r}")
    events, entries = certificate["events"], certificate["entries"]
    if not isinstance(events, list) or not events:
        raise malformed("events must be a non-empty list")
    if not isinstance(entries, list):
        raise malformed("entries must be a list")
    checked = _check_chain(events)
    _check_anchors(checked, anchors)
    by_type = _check_sequence(checked, partial)
    freeze = by_type["freeze"][0]
    found.draw_id, found.count = freeze["draw_id"], freeze["count"]
    found.complete = "result" in by_type
    _check_entries(entries, freeze)
    if "reveal" in by_type and seed_commitment(_seed(by_type)) != by_type["commit"][0]["commitment"]:
        raise DrawFailure("commitment_mismatch", "the revealed seed does not hash to the commitment")
    if "beacon" in by_type:
        found.beacon = by_type["beacon"][0]
        named = freeze["beacon"]
        if (found.beacon["source"], found.beacon["round"]) != (named["source"], named["round"]):
            raise DrawFailure(
                "beacon_mismatch",
                f"the beacon used is {found.beacon['source']!r} round {found.beacon['round']}, "
                f"but the freeze named {named['source']!r} round {named['round']}",
            )
    if "result" in by_type:
        _check_result(entries, freeze, by_type, found)
        _check_substitutions(by_type.get("substitution", []), found)


def _check_chain(events: list[Any]) -> list[Mapping[str, Any]]:
    """Check each event's envelope, its own hash, its link to the previous one and its number."""
    checked: list[Mapping[str, Any]] = []
    previous = GENESIS_PREV
    for index, raw in enumerate(events):
        event = check_envelope(raw, index)
        try:
            digest = event_hash(event)
        except CanonicalError as exc:
            raise malformed(f"event {index}: {exc}") from exc
        except RecursionError:
            raise malformed(f"event {index}: a value is nested too deeply") from None
        if digest != event["hash"]:
            raise DrawFailure("event_hash_mismatch", f"event {index} is not the event its hash was computed from")
        if event["prev"] != previous:
            raise DrawFailure("chain_broken", f"event {index} does not point to the hash of the event before it")
        if event["seq"] != index:
            raise DrawFailure("event_order", f"event {index} is numbered {event['seq']}")
        checked.append(event)
        previous = digest
    return checked


def _check_anchors(events: Sequence[Mapping[str, Any]], anchors: Sequence[str]) -> None:
    hashes = {event["hash"] for event in events}
    for anchor in anchors:
        if anchor.strip().lower() not in hashes:
            raise DrawFailure("anchor_missing", f"no event has the published hash {anchor}")


def _allowed_next(stage: str | None, freeze: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Name the event types that may follow ``stage``: the grammar of a draw record."""
    if stage is None:
        return ("freeze",)
    if stage == "commit":
        return ("beacon",) if freeze is not None and freeze["beacon"] is not None else ("reveal",)
    follows = {"freeze": "commit", "beacon": "reveal", "reveal": "result", "result": "substitution"}
    return (follows.get(stage, "substitution"),)


def _check_sequence(events: Sequence[Mapping[str, Any]], partial: bool) -> dict[str, list[Mapping[str, Any]]]:
    """Check the order of event types, each body's layout and that time never runs backwards."""
    by_type: dict[str, list[Mapping[str, Any]]] = {}
    stage: str | None = None
    last_at = ""
    for index, event in enumerate(events):
        allowed = _allowed_next(stage, by_type["freeze"][0] if "freeze" in by_type else None)
        if event["type"] not in allowed:
            raise DrawFailure("event_order", f"event {index} is {event['type']!r} where {allowed[0]!r} belongs")
        check_body(event["type"], event["body"], index)
        if event["at"] < last_at:
            raise DrawFailure("time_order", f"event {index} is dated before the event before it")
        last_at = event["at"]
        by_type.setdefault(event["type"], []).append(event["body"])
        stage = event["type"]
    if stage not in DONE and not partial:
        raise DrawFailure("incomplete", "the record stops before the result")
    return by_type


def _check_entries(entries: list[Any], freeze: Mapping[str, Any]) -> None:
    if not all(is_valid_id(entry) for entry in entries):
        raise malformed("entries must be a list of ids")
    if len(entries) != freeze["count"]:
        raise DrawFailure("count_mismatch", f"{len(entries)} entries are listed, the freeze counted {freeze['count']}")
    if list_hash(entries) != freeze["list_hash"]:
        raise DrawFailure("list_hash_mismatch", "the entries listed are not the list that was frozen")
    if any(a.encode() >= b.encode() for a, b in pairwise(entries)):
        raise DrawFailure("entries_not_canonical", "the frozen list is not sorted or repeats an id")
    if merkle_root(entries) != freeze["merkle_root"]:
        raise DrawFailure("merkle_root_mismatch", "the Merkle root does not match the frozen list")


def _seed(by_type: Mapping[str, list[Mapping[str, Any]]]) -> bytes:
    return bytes.fromhex(by_type["reveal"][0]["seed"])


def _check_result(
    entries: list[str], freeze: Mapping[str, Any], by_type: Mapping[str, list[Mapping[str, Any]]], found: _Found
) -> None:
    beacon = by_type["beacon"][0] if "beacon" in by_type else None
    key = final_seed(_seed(by_type), draw_id=freeze["draw_id"], list_hash=freeze["list_hash"], beacon=beacon)
    found.drawn_winners, found.drawn_alternates = select(
        rank_entries(key, entries), freeze["winners"], freeze["alternates"]
    )
    found.winners, found.alternates = list(found.drawn_winners), list(found.drawn_alternates)
    result = by_type["result"][0]
    if result["final_seed"] != key.hex():
        raise DrawFailure("final_seed_mismatch", "the final seed is not the one the seed and beacon give")
    if tuple(result["winners"]) != found.drawn_winners:
        raise DrawFailure("winners_mismatch", "the winners recorded are not the first ones of the ranking")
    if tuple(result["alternates"]) != found.drawn_alternates:
        raise DrawFailure("alternates_mismatch", "the alternates recorded are not the next ones of the ranking")


def _check_substitutions(substitutions: Sequence[Mapping[str, Any]], found: _Found) -> None:
    for number, substitution in enumerate(substitutions, start=1):
        replaced, promoted = substitution["replaced"], substitution["promoted"]
        if replaced not in found.winners:
            raise DrawFailure("substitution_invalid", f"substitution {number} replaces {replaced}, not a winner")
        if not found.alternates:
            raise DrawFailure("substitution_invalid", f"substitution {number} comes when no alternate is left")
        if promoted != found.alternates[0]:
            raise DrawFailure(
                "substitution_invalid",
                f"substitution {number} promotes {promoted}, but the next alternate is {found.alternates[0]}",
            )
        found.winners[found.winners.index(replaced)] = promoted
        found.alternates.pop(0)
        found.substitutions.append(substitution)


@dataclass(frozen=True)
class ReceiptResult:
    """The verdict on an inclusion receipt; ``code`` is ``ok`` or a documented failure code."""

    ok: bool
    code: str
    reason: str
    entry_id: str | None = None
    index: int | None = None


def verify_receipt(receipt: Mapping[str, Any], *, draw_id: str, count: int, merkle_root: str) -> ReceiptResult:
    """Check that a receipt proves its entry is in the list frozen with this draw id, count and root."""
    try:
        receipt = require_keys(receipt, RECEIPT_KEYS, "the receipt")
        if receipt["format"] != RECEIPT_FORMAT or receipt["algorithm"] != ALGORITHM:
            raise malformed(f"a receipt has format {RECEIPT_FORMAT!r} and algorithm {ALGORITHM!r}")
        path = receipt["path"]
        if not (
            is_valid_id(receipt["draw_id"])
            and is_valid_id(receipt["entry_id"])
            and is_int(receipt["index"])
            and is_int(receipt["count"], 1)
            and is_hex64(receipt["merkle_root"])
            and isinstance(path, list)
            and all(is_hex64(step) for step in path)
        ):
            raise malformed("the receipt's fields do not have the documented types")
        if receipt["draw_id"] != draw_id:
            raise DrawFailure("wrong_draw", f"the receipt is for draw {receipt['draw_id']}, not {draw_id}")
        if receipt["count"] != count or receipt["merkle_root"] != merkle_root:
            raise DrawFailure("wrong_list", "the receipt's count or Merkle root differs from the frozen list's")
        root = root_from_path(receipt["entry_id"], receipt["index"], count, [bytes.fromhex(step) for step in path])
        if root is None or root.hex() != merkle_root:
            raise DrawFailure("not_included", "the receipt's path does not lead from the entry to the Merkle root")
    except DrawFailure as failure:
        return ReceiptResult(False, failure.code, failure.reason)
    return ReceiptResult(
        True, "ok", f"entry {receipt['entry_id']} is in the frozen list", receipt["entry_id"], receipt["index"]
    )


def check_receipt_in_certificate(receipt: Mapping[str, Any], certificate: Mapping[str, Any]) -> ReceiptResult:
    """Check a receipt against the freeze event of a certificate (verify the certificate too)."""
    try:
        freeze = certificate["events"][0]["body"]
        draw_id, count, root = freeze["draw_id"], freeze["count"], freeze["merkle_root"]
    except (KeyError, IndexError, TypeError):
        return ReceiptResult(False, "malformed", "the certificate has no readable freeze event")
    return verify_receipt(receipt, draw_id=draw_id, count=count, merkle_root=root)
