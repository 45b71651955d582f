#!/usr/bin/env python3
"""Check a UGC hub prize draw yourself, with nothing but Python's standard library.

    python verify_draw_standalone.py certificate.json
    python verify_draw_standalone.py certificate.json --anchor <hash published at entry close>
    python verify_draw_standalone.py certificate.json --receipt my-receipt.json
    python verify_draw_standalone.py certificate.json --check-beacon

It recomputes the whole draw (algorithm "ugc-hub-draw/1") from the certificate: the hash chain of
events, the frozen list of entries, the seed against its commitment, the ranking, the winners, the
alternates and every later substitution. It prints the winners and alternates it computed, then
"OK" and exits 0, or "FAIL [code]: reason" and exits 1. Bad command-line usage exits 2.

It shares no code with the hub on purpose: it is a second, independent reading of the
specification (docs/draws.md in the hub's repository). When the hub fetched the beacon round
itself, the certificate holds the address it fetched and the answer it got; this script checks that
the value used is the one in that answer, and with --check-beacon fetches the address again and
compares (drand rounds never change). A value typed by staff (the source was down) has no address:
compare it with the source's own record yourself.

Written for Python 3.8 or newer. Licence: AGPL-3.0-or-later, like the hub.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import re
import sys
import urllib.request
from datetime import datetime
from typing import Any

ALGORITHM = "ugc-hub-draw/1"
FORMAT = "ugc-hub-draw-certificate"
RECEIPT = "ugc-hub-draw-receipt"
ZERO_HASH = "0" * 64
BIGGEST = 2**53 - 1
MAX_NESTING = 32

ID = re.compile(r"[A-Za-z0-9._:~-]{1,128}")
HEX64 = re.compile(r"[0-9a-f]{64}")
WHEN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
SOURCE = re.compile(r"[\x20-\x7e]{1,200}")
VALUE = re.compile(r"(?:[0-9a-f]{2}){1,128}")
REASON_CODE = re.compile(r"[a-z0-9_]{1,64}")
URL = re.compile(r"https?://[\x21-\x7e]{1,1990}")
RANDOMNESS = re.compile(r"[0-9a-fA-F]{64}")
MAX_RESPONSE = 8192

LAYOUT = {  # the exact keys of each event type's body
    "freeze": [
        "algorithm",
        "alternates",
        "beacon",
        "count",
        "draw_id",
        "exclusions",
        "list_hash",
        "merkle_root",
        "rules_hash",
        "winners",
    ],
    "commit": ["commitment"],
    "beacon": ["round", "source", "value"],
    "reveal": ["seed"],
    "result": ["alternates", "final_seed", "winners"],
    "substitution": ["promoted", "reason", "replaced"],
}
NEXT = {"freeze": "commit", "beacon": "reveal", "reveal": "result", "result": "substitution"}


class Failed(Exception):
    """The certificate does not verify; ``code`` names the check that failed."""

    def __init__(self, code: str, reason: str) -> None:
        Exception.__init__(self, reason)
        self.code = code
        self.reason = reason


# ---------------------------------------------------------------- canonical JSON (RFC 8785 subset)

SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quote(text: str) -> str:
    out = []
    for char in text:
        if char in SHORT_ESCAPES:
            out.append(SHORT_ESCAPES[char])
        elif ord(char) < 0x20:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def canon_text(value: Any, level: int = 0) -> str:
    if type(value) in (list, dict):
        level += 1
        if level > MAX_NESTING:
            raise Failed("malformed", f"arrays and objects nest more than {MAX_NESTING} deep")
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        if abs(value) > BIGGEST:
            raise Failed("malformed", "an integer is too large for canonical JSON")
        return str(value)
    if type(value) is str:
        return quote(value)
    if type(value) is list:
        return "[" + ",".join(canon_text(item, level) for item in value) + "]"
    if type(value) is dict:
        for key in value:
            if type(key) is not str or any(ord(char) > 127 for char in key):
                raise Failed("malformed", "object keys must be ASCII strings")
        return "{" + ",".join(quote(key) + ":" + canon_text(value[key], level) for key in sorted(value)) + "}"
    raise Failed("malformed", f"a value of type {type(value).__name__} has no canonical JSON form")


def canon(value: Any) -> bytes:
    try:
        return canon_text(value).encode("utf-8")
    except UnicodeEncodeError:
        raise Failed("malformed", "a string is not valid Unicode") from None
    except RecursionError:
        raise Failed("malformed", "a value is nested too deeply") from None


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# ---------------------------------------------------------------- small type tests


def is_id(value: Any) -> bool:
    return type(value) is str and ID.fullmatch(value) is not None


def is_hash(value: Any) -> bool:
    return type(value) is str and HEX64.fullmatch(value) is not None


def is_count(value: Any, least: int = 0) -> bool:
    return type(value) is int and least <= value <= BIGGEST


def is_when(value: Any) -> bool:
    if type(value) is not str or not WHEN.fullmatch(value):
        return False
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True


def exact_keys(value: Any, names: list[str], what: str) -> dict:
    if type(value) is not dict:
        raise Failed("malformed", what + " is not an object")
    if sorted(value) != sorted(names):
        raise Failed("malformed", what + " must have exactly the keys " + ", ".join(sorted(names)))
    return value


# ---------------------------------------------------------------- event bodies


def check_beacon_name(body: dict, what: str) -> None:
    if type(body["source"]) is not str or not SOURCE.fullmatch(body["source"]):
        raise Failed("malformed", what + ": bad beacon source")
    if not is_count(body["round"]):
        raise Failed("malformed", what + ": bad beacon round")


def check_body(kind: str, body: dict, what: str) -> None:
    if kind == "freeze":
        if type(body.get("algorithm")) is not str:
            raise Failed("malformed", what + ": no algorithm")
        if body["algorithm"] != ALGORITHM:
            raise Failed("unsupported_algorithm", f"this verifier knows {ALGORITHM}, not {body['algorithm']!r}")
    layout = LAYOUT[kind]
    if kind == "beacon" and type(body) is dict and "url" in body:
        layout = [*layout, "response", "url"]  # fetched by the hub: the address and the answer as received
    exact_keys(body, layout, what)
    fine = True
    if kind == "freeze":
        fine = (
            is_id(body["draw_id"])
            and is_count(body["count"], 1)
            and is_count(body["winners"], 1)
            and is_count(body["alternates"])
            and is_hash(body["list_hash"])
            and is_hash(body["merkle_root"])
            and (body["rules_hash"] is None or is_hash(body["rules_hash"]))
            and type(body["exclusions"]) is dict
            and all(REASON_CODE.fullmatch(k) and is_count(n) for k, n in body["exclusions"].items())
        )
        if fine and body["beacon"] is not None:
            check_beacon_name(exact_keys(body["beacon"], ["round", "source"], what + " beacon"), what)
    elif kind == "commit":
        fine = is_hash(body["commitment"])
    elif kind == "beacon":
        check_beacon_name(body, what)
        fine = type(body["value"]) is str and VALUE.fullmatch(body["value"]) is not None
        if fine and "url" in body:
            fine = (
                type(body["url"]) is str
                and URL.fullmatch(body["url"]) is not None
                and type(body["response"]) is str
                and 1 <= len(body["response"]) <= MAX_RESPONSE
            )
            if fine:
                randomness = randomness_in(body["response"], body["round"])
                if randomness is None:
                    raise Failed("beacon_response_mismatch", what + ": the response is not this round's")
                if randomness != body["value"]:
                    raise Failed("beacon_response_mismatch", what + ": the value is not the one in the response")
    elif kind == "reveal":
        fine = is_hash(body["seed"])
    elif kind == "result":
        fine = is_hash(body["final_seed"]) and all(
            type(body[name]) is list and all(is_id(entry) for entry in body[name]) for name in ("winners", "alternates")
        )
    elif kind == "substitution":
        reason = body["reason"]
        fine = is_id(body["replaced"]) and is_id(body["promoted"]) and type(reason) is str and 1 <= len(reason) <= 500
    if not fine:
        raise Failed("malformed", what + ": a field has the wrong type or value")


def randomness_in(text: str, round_number: int) -> str | None:
    """The randomness (lowercase hex) a drand-style answer gives for this round, or None."""
    if len(text) > MAX_RESPONSE:
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if type(data) is not dict or type(data.get("round")) is not int or data["round"] != round_number:
        return None
    value = data.get("randomness")
    if type(value) is not str or not RANDOMNESS.fullmatch(value):
        return None
    return value.lower()


def check_beacon_again(beacon: dict) -> tuple:
    """Fetch the recorded address again and compare; return (code, message)."""
    if "url" not in beacon:
        return "beacon_unchecked", "no address recorded (the value was typed by staff): compare it yourself"
    request = urllib.request.Request(beacon["url"], headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:  # noqa: S310 (http(s), checked above)
            text = answer.read(MAX_RESPONSE + 1).decode("utf-8")
    except (OSError, ValueError) as exc:
        return "beacon_unreachable", "could not fetch " + beacon["url"] + ": " + str(exc)
    if randomness_in(text, beacon["round"]) != beacon["value"]:
        return "beacon_refetch_mismatch", beacon["url"] + " now gives another value for round " + str(beacon["round"])
    return "ok", beacon["url"] + " gives the same value for round " + str(beacon["round"])


# ---------------------------------------------------------------- Merkle tree over the entries


def leaf(entry: str) -> bytes:
    return sha256(b"\x00" + entry.encode("utf-8"))


def parent(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def tree_root(entries: list) -> bytes:
    nodes = [leaf(entry) for entry in entries]
    while len(nodes) > 1:
        paired = [parent(nodes[i], nodes[i + 1]) for i in range(0, len(nodes) - 1, 2)]
        nodes = paired + nodes[len(paired) * 2 :]  # an odd last node goes up unchanged
    return nodes[0]


def root_via(entry: str, index: int, size: int, path: list) -> bytes | None:
    node, steps = leaf(entry), list(path)
    while size > 1:
        has_sibling = index % 2 == 1 or index + 1 < size
        if has_sibling:
            if not steps:
                return None
            sibling = bytes.fromhex(steps.pop(0))
            node = parent(sibling, node) if index % 2 == 1 else parent(node, sibling)
        index, size = index // 2, (size + 1) // 2
    return None if steps else node


# ---------------------------------------------------------------- the draw itself


def derive_key(seed_hex: str, freeze: dict, beacon: dict | None) -> bytes:
    message = canon(
        {"algorithm": ALGORITHM, "beacon": beacon, "draw_id": freeze["draw_id"], "list_hash": freeze["list_hash"]}
    )
    return hmac.new(bytes.fromhex(seed_hex), message, hashlib.sha256).digest()


def ranking(key: bytes, entries: list) -> list:
    scored = [(hmac.new(key, e.encode("utf-8"), hashlib.sha256).digest(), e.encode("utf-8"), e) for e in entries]
    scored.sort()
    return [entry for _, _, entry in scored]


def verify(cert: Any, anchors: list | tuple = ()) -> dict:
    """Verify a parsed certificate; return the verdict and whatever was recomputed on the way."""
    out: dict = {
        "ok": False,
        "code": "",
        "reason": "",
        "draw_id": None,
        "count": None,
        "winners": [],
        "alternates": [],
        "drawn_winners": [],
        "drawn_alternates": [],
        "beacon": None,
        "substitutions": [],
    }
    try:
        walk(cert, anchors, out)
    except Failed as failure:
        out["code"], out["reason"] = failure.code, failure.reason
        return out
    out["ok"], out["code"], out["reason"] = True, "ok", "the certificate verifies"
    return out


def walk(cert: Any, anchors: list | tuple, out: dict) -> None:
    exact_keys(cert, ["entries", "events", "format"], "the certificate")
    if cert["format"] != FORMAT:
        raise Failed("malformed", "this is not a ugc-hub draw certificate")
    events, entries = cert["events"], cert["entries"]
    if type(events) is not list or not events:
        raise Failed("malformed", "there are no events")
    if type(entries) is not list:
        raise Failed("malformed", "entries is not a list")

    # 1. The chain: every event hashes to its own "hash" and points at the one before it.
    before = ZERO_HASH
    for n, event in enumerate(events):
        what = f"event {n}"
        exact_keys(event, ["at", "body", "hash", "prev", "seq", "type"], what)
        if not (
            is_count(event["seq"])
            and type(event["type"]) is str
            and is_when(event["at"])
            and is_hash(event["prev"])
            and is_hash(event["hash"])
            and type(event["body"]) is dict
        ):
            raise Failed("malformed", what + ": seq, type, at, prev, hash or body has the wrong type")
        unsealed = {name: event[name] for name in ("at", "body", "prev", "seq", "type")}
        if sha256(canon(unsealed)).hex() != event["hash"]:
            raise Failed("event_hash_mismatch", what + " was changed after it was sealed")
        if event["prev"] != before:
            raise Failed("chain_broken", what + " does not follow the event before it")
        if event["seq"] != n:
            raise Failed("event_order", f"{what} carries number {event['seq']}")
        before = event["hash"]

    # 2. Hashes published earlier must be in the chain.
    sealed = set(event["hash"] for event in events)
    for anchor in anchors:
        if anchor.strip().lower() not in sealed:
            raise Failed("anchor_missing", "no event has the published hash " + anchor)

    # 3. Event types come in the one allowed order, each with its layout; time never goes back.
    found: dict = {}
    last_kind, last_time = None, ""
    for n, event in enumerate(events):
        if last_kind is None:
            wanted = "freeze"
        elif last_kind == "commit":
            wanted = "beacon" if found["freeze"][0]["beacon"] is not None else "reveal"
        else:
            wanted = NEXT.get(last_kind, "substitution")
        if event["type"] != wanted:
            raise Failed("event_order", f"event {n} is {event['type']!r}, expected {wanted!r}")
        check_body(event["type"], event["body"], f"event {n} ({event['type']})")
        if event["at"] < last_time:
            raise Failed("time_order", f"event {n} is dated before the event before it")
        last_kind, last_time = event["type"], event["at"]
        found.setdefault(last_kind, []).append(event["body"])
    if last_kind not in ("result", "substitution"):
        raise Failed("incomplete", "the draw has not been made in this certificate")
    freeze = found["freeze"][0]
    out["draw_id"], out["count"] = freeze["draw_id"], freeze["count"]

    # 4. The entries listed are exactly the list frozen.
    if not all(is_id(entry) for entry in entries):
        raise Failed("malformed", "an entry is not a valid id")
    if len(entries) != freeze["count"]:
        raise Failed("count_mismatch", f"{len(entries)} entries listed, {freeze['count']} frozen")
    if sha256(canon(entries)).hex() != freeze["list_hash"]:
        raise Failed("list_hash_mismatch", "the entries do not hash to the frozen list hash")
    for n in range(1, len(entries)):
        if entries[n - 1].encode("utf-8") >= entries[n].encode("utf-8"):
            raise Failed("entries_not_canonical", "the entries are not in canonical order, or repeat")
    if tree_root(entries).hex() != freeze["merkle_root"]:
        raise Failed("merkle_root_mismatch", "the entries do not give the frozen Merkle root")

    # 5. The seed revealed is the one committed to; the beacon round is the one named in advance.
    seed = found["reveal"][0]["seed"]
    if sha256(bytes.fromhex(seed)).hex() != found["commit"][0]["commitment"]:
        raise Failed("commitment_mismatch", "the revealed seed is not the committed one")
    beacon = found["beacon"][0] if "beacon" in found else None
    if beacon is not None:
        out["beacon"] = beacon
        named = freeze["beacon"]
        if beacon["source"] != named["source"] or beacon["round"] != named["round"]:
            raise Failed("beacon_mismatch", "the beacon round used is not the one named at freeze time")

    # 6. Rank everyone and compare with the recorded result.
    key = derive_key(seed, freeze, beacon)
    order = ranking(key, entries)
    k, m = freeze["winners"], freeze["alternates"]
    out["drawn_winners"], out["drawn_alternates"] = order[:k], order[k : k + m]
    out["winners"], out["alternates"] = list(order[:k]), list(order[k : k + m])
    result = found["result"][0]
    if result["final_seed"] != key.hex():
        raise Failed("final_seed_mismatch", "the recorded final seed is not the one recomputed")
    if result["winners"] != out["drawn_winners"]:
        raise Failed("winners_mismatch", "the recorded winners are not the recomputed ones")
    if result["alternates"] != out["drawn_alternates"]:
        raise Failed("alternates_mismatch", "the recorded alternates are not the recomputed ones")

    # 7. Each substitution replaces a current winner by the next alternate in line.
    for n, swap in enumerate(found.get("substitution", []), start=1):
        if swap["replaced"] not in out["winners"]:
            raise Failed("substitution_invalid", f"substitution {n} replaces someone who is not a winner")
        if not out["alternates"] or swap["promoted"] != out["alternates"][0]:
            raise Failed("substitution_invalid", f"substitution {n} does not promote the next alternate")
        out["winners"][out["winners"].index(swap["replaced"])] = swap["promoted"]
        del out["alternates"][0]
        out["substitutions"].append(swap)


def check_receipt(receipt: Any, freeze: dict) -> tuple:
    """Check an inclusion receipt against a freeze event body; return (code, reason)."""
    fields = ["algorithm", "count", "draw_id", "entry_id", "format", "index", "merkle_root", "path"]
    try:
        exact_keys(receipt, fields, "the receipt")
        if receipt["format"] != RECEIPT or receipt["algorithm"] != ALGORITHM:
            raise Failed("malformed", "this is not a ugc-hub draw receipt")
        path = receipt["path"]
        if not (
            is_id(receipt["draw_id"])
            and is_id(receipt["entry_id"])
            and is_count(receipt["index"])
            and is_count(receipt["count"], 1)
            and is_hash(receipt["merkle_root"])
            and type(path) is list
            and all(is_hash(step) for step in path)
        ):
            raise Failed("malformed", "a receipt field has the wrong type")
        if receipt["draw_id"] != freeze["draw_id"]:
            raise Failed("wrong_draw", "the receipt is for another draw")
        if receipt["count"] != freeze["count"] or receipt["merkle_root"] != freeze["merkle_root"]:
            raise Failed("wrong_list", "the receipt is for another list")
        if not receipt["index"] < freeze["count"]:
            raise Failed("not_included", "the receipt's position is outside the list")
        root = root_via(receipt["entry_id"], receipt["index"], freeze["count"], path)
        if root is None or root.hex() != freeze["merkle_root"]:
            raise Failed("not_included", "the receipt does not lead to the frozen Merkle root")
    except Failed as failure:
        return failure.code, failure.reason
    return "ok", f"entry {receipt['entry_id']} is number {receipt['index']} of the frozen list"


# ---------------------------------------------------------------- command line


def no_duplicates(pairs: list) -> dict:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a key appears twice in one object")
    return dict(pairs)


def no_fractions(text: str) -> Any:
    raise ValueError("only integers are allowed, not " + text)


def read_json(path: str) -> Any:
    with open(path, "rb") as handle:
        raw = handle.read()
    return json.loads(
        raw.decode("utf-8"), object_pairs_hook=no_duplicates, parse_float=no_fractions, parse_constant=no_fractions
    )


def printable(text: str) -> str:
    """Escape control characters, so a crafted reason cannot rewrite what the terminal shows."""
    return "".join(char if char.isprintable() else f"\\u{ord(char):04x}" for char in text)


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a ugc-hub draw certificate (" + ALGORITHM + ").")
    parser.add_argument("certificate", help="the certificate JSON file")
    parser.add_argument("--anchor", action="append", default=[], help="an event hash published earlier")
    parser.add_argument("--receipt", action="append", default=[], help="an inclusion receipt JSON file")
    parser.add_argument("--check-beacon", action="store_true", help="fetch the beacon round again and compare")
    args = parser.parse_args(argv)
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:  # a console that cannot show some character gets an escape, not a crash
        reconfigure(errors="backslashreplace")
    try:
        cert = read_json(args.certificate)
    except OSError as exc:
        print(f"FAIL [unreadable]: {exc}")
        return 1
    except (ValueError, RecursionError) as exc:
        print(f"FAIL [malformed]: not a valid certificate file: {exc}")
        return 1
    verdict = verify(cert, args.anchor)
    if verdict["draw_id"] is not None:
        print(f"Draw {verdict['draw_id']}: {verdict['count']} entries")
    if verdict["beacon"] is not None:
        b = verdict["beacon"]
        where = f" fetched from {b['url']}" if "url" in b else " typed by staff"
        print(f"Beacon: {b['source']} round {b['round']}, value {b['value']}{where}")
    if verdict["drawn_winners"] or verdict["drawn_alternates"]:
        print("Winners (recomputed):")
        for rank, entry in enumerate(verdict["winners"], start=1):
            print(f"  {rank}. {entry}")
        print("Alternates (recomputed):")
        for rank, entry in enumerate(verdict["alternates"], start=1):
            print(f"  {rank}. {entry}")
    for swap in verdict["substitutions"]:
        print(f"Substituted: {swap['replaced']} -> {swap['promoted']} ({printable(swap['reason'])})")
    if not verdict["ok"]:
        print(f"FAIL [{verdict['code']}]: {printable(verdict['reason'])}")
        return 1
    print("OK: " + verdict["reason"])
    if args.check_beacon:
        if verdict["beacon"] is None:
            print("FAIL [beacon_unchecked]: this draw used no beacon")
            return 1
        code, message = check_beacon_again(verdict["beacon"])
        if code != "ok":
            print(f"FAIL [{code}]: {printable(message)}")
            return 1
        print("Beacon OK: " + message)
    for path in args.receipt:
        try:
            receipt = read_json(path)
        except (OSError, ValueError, RecursionError) as exc:
            print(f"FAIL [unreadable]: receipt {path}: {exc}")
            return 1
        code, reason = check_receipt(receipt, cert["events"][0]["body"])
        if code != "ok":
            print(f"FAIL [{code}]: receipt {path}: {reason}")
            return 1
        print("Receipt OK: " + reason)
    return 0


if __name__ == "__main__":
    sys.exit(main())
