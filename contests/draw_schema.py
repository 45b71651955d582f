"""The shape of a ``ugc-hub-draw/1`` certificate: which keys each event body holds, and their types.

The checks raise :class:`DrawFailure` with a stable code; the verifier and the builder share them so
the builder can never write a record the verifier would call malformed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from contests.beacon import MAX_BODY, URL_RE, BeaconError, read_round
from contests.canonical import MAX_SAFE_INTEGER
from contests.draw_algorithm import ALGORITHM, HEX64_RE, is_valid_id

AT_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
SOURCE_RE = re.compile(r"[\x20-\x7e]{1,200}")
BEACON_VALUE_RE = re.compile(r"(?:[0-9a-f]{2}){1,128}")
EXCLUSION_RE = re.compile(r"[a-z0-9_]{1,64}")
MAX_REASON = 500

ENVELOPE_KEYS = frozenset({"seq", "type", "at", "prev", "body", "hash"})
BODY_KEYS: dict[str, frozenset[str]] = {
    "freeze": frozenset(
        {
            "algorithm",
            "draw_id",
            "count",
            "list_hash",
            "merkle_root",
            "winners",
            "alternates",
            "beacon",
            "exclusions",
            "rules_hash",
        }
    ),
    "commit": frozenset({"commitment"}),
    "beacon": frozenset({"source", "round", "value"}),
    "beacon_fetched": frozenset({"source", "round", "value", "url", "response"}),
    "reveal": frozenset({"seed"}),
    "result": frozenset({"final_seed", "winners", "alternates"}),
    "substitution": frozenset({"replaced", "promoted", "reason"}),
}


class DrawFailure(Exception):
    """Verification stopped: ``code`` is stable and documented, ``reason`` is for people."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


def malformed(reason: str) -> DrawFailure:
    """Build the failure for a record that does not have the documented shape."""
    return DrawFailure("malformed", reason)


def is_int(value: object, minimum: int = 0) -> bool:
    """Tell whether a value is a JSON integer (not a boolean) in [minimum, 2**53 - 1]."""
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= MAX_SAFE_INTEGER


def is_hex64(value: object) -> bool:
    """Tell whether a value is 64 lowercase hexadecimal characters."""
    return isinstance(value, str) and HEX64_RE.fullmatch(value) is not None


def is_timestamp(value: object) -> bool:
    """Tell whether a value is a real UTC time written ``YYYY-MM-DDTHH:MM:SSZ``."""
    if not isinstance(value, str) or AT_RE.fullmatch(value) is None:
        return False
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")  # rejects 2024-02-30 and 25:00:00
    except ValueError:
        return False
    return True


def require_keys(obj: object, keys: frozenset[str], where: str) -> Mapping[str, Any]:
    """Return ``obj`` if it is an object with exactly ``keys``; refuse it otherwise."""
    if not isinstance(obj, Mapping):
        raise malformed(f"{where} must be an object")
    if set(obj) != keys:
        missing = sorted(keys - set(obj))
        extra = sorted(set(obj) - keys)
        raise malformed(f"{where} must have exactly the keys {sorted(keys)} (missing {missing}, extra {extra})")
    return obj


def check_envelope(event: object, index: int) -> Mapping[str, Any]:
    """Check the keys and types every event shares, whatever its type."""
    where = f"event {index}"
    event = require_keys(event, ENVELOPE_KEYS, where)
    if not is_int(event["seq"]):
        raise malformed(f"{where}: seq must be a non-negative integer")
    if not isinstance(event["type"], str):
        raise malformed(f"{where}: type must be a string")
    if not is_timestamp(event["at"]):
        raise malformed(f"{where}: at must be a UTC time written YYYY-MM-DDTHH:MM:SSZ")
    if not is_hex64(event["prev"]) or not is_hex64(event["hash"]):
        raise malformed(f"{where}: prev and hash must be 64 lowercase hex characters")
    if not isinstance(event["body"], Mapping):
        raise malformed(f"{where}: body must be an object")
    return event


def _check_ids(value: object, where: str) -> None:
    if not isinstance(value, list) or not all(is_valid_id(item) for item in value):
        raise malformed(f"{where} must be a list of ids")


def _check_freeze(body: Mapping[str, Any], where: str) -> None:
    # The version is read first: a later version may lay out its freeze event differently.
    if not isinstance(body.get("algorithm"), str):
        raise malformed(f"{where}: algorithm must be a string")
    if body["algorithm"] != ALGORITHM:
        raise DrawFailure("unsupported_algorithm", f"algorithm {body['algorithm']!r} is not {ALGORITHM!r}")
    require_keys(body, BODY_KEYS["freeze"], where)
    if not is_valid_id(body["draw_id"]):
        raise malformed(f"{where}: draw_id is not a valid id")
    if not is_int(body["count"], 1) or not is_int(body["winners"], 1) or not is_int(body["alternates"]):
        raise malformed(f"{where}: count and winners must be integers >= 1, alternates an integer >= 0")
    if not is_hex64(body["list_hash"]) or not is_hex64(body["merkle_root"]):
        raise malformed(f"{where}: list_hash and merkle_root must be 64 lowercase hex characters")
    beacon = body["beacon"]
    if beacon is not None:
        require_keys(beacon, frozenset({"source", "round"}), f"{where}: beacon")
        check_beacon_name(beacon, where)
    exclusions = body["exclusions"]
    if not isinstance(exclusions, Mapping) or not all(
        EXCLUSION_RE.fullmatch(key) and is_int(count) for key, count in exclusions.items()
    ):
        raise malformed(f"{where}: exclusions must map reason codes [a-z0-9_] to counts")
    if body["rules_hash"] is not None and not is_hex64(body["rules_hash"]):
        raise malformed(f"{where}: rules_hash must be null or 64 lowercase hex characters")


def check_beacon_name(beacon: Mapping[str, Any], where: str) -> None:
    """Check a beacon's source name and round number."""
    if not isinstance(beacon["source"], str) or SOURCE_RE.fullmatch(beacon["source"]) is None:
        raise malformed(f"{where}: beacon source must be 1-200 printable ASCII characters")
    if not is_int(beacon["round"]):
        raise malformed(f"{where}: beacon round must be a non-negative integer")


def check_body(event_type: str, body: Mapping[str, Any], index: int) -> None:
    """Check the body of one event against the layout of its type."""
    where = f"event {index} ({event_type})"
    if event_type == "freeze":
        _check_freeze(body, where)
        return
    if event_type == "beacon":
        _check_beacon(body, where)
        return
    require_keys(body, BODY_KEYS[event_type], where)
    if event_type == "commit" and not is_hex64(body["commitment"]):
        raise malformed(f"{where}: commitment must be 64 lowercase hex characters")
    if event_type == "reveal" and not is_hex64(body["seed"]):
        raise malformed(f"{where}: seed must be 64 lowercase hex characters")
    if event_type == "result":
        if not is_hex64(body["final_seed"]):
            raise malformed(f"{where}: final_seed must be 64 lowercase hex characters")
        _check_ids(body["winners"], f"{where}: winners")
        _check_ids(body["alternates"], f"{where}: alternates")
    if event_type == "substitution":
        if not is_valid_id(body["replaced"]) or not is_valid_id(body["promoted"]):
            raise malformed(f"{where}: replaced and promoted must be entry ids")
        reason = body["reason"]
        if not isinstance(reason, str) or not 1 <= len(reason) <= MAX_REASON:
            raise malformed(f"{where}: reason must be a string of 1-{MAX_REASON} characters")


def _check_beacon(body: Mapping[str, Any], where: str) -> None:
    """A beacon value typed by staff has source, round and value; a fetched one adds the URL and the
    response as received, which must give the same round and value."""
    fetched = isinstance(body, Mapping) and "url" in body
    require_keys(body, BODY_KEYS["beacon_fetched" if fetched else "beacon"], where)
    check_beacon_name(body, where)
    if not isinstance(body["value"], str) or BEACON_VALUE_RE.fullmatch(body["value"]) is None:
        raise malformed(f"{where}: value must be 1-128 bytes in lowercase hex")
    if not fetched:
        return
    if not isinstance(body["url"], str) or URL_RE.fullmatch(body["url"]) is None:
        raise malformed(f"{where}: url must be an http(s) address")
    if not isinstance(body["response"], str) or not 1 <= len(body["response"]) <= MAX_BODY:
        raise malformed(f"{where}: response must be the text the source sent (1-{MAX_BODY} characters)")
    try:
        randomness = read_round(body["response"], body["round"])
    except BeaconError as exc:
        raise DrawFailure("beacon_response_mismatch", f"{where}: {exc.reason}") from exc
    if randomness != body["value"]:
        raise DrawFailure("beacon_response_mismatch", f"{where}: the value is not the randomness in the response")
