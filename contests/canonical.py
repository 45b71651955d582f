"""Canonical JSON (RFC 8785 restricted to what draw records hold) and strict JSON parsing.

Every hash in a draw certificate is a SHA-256 over the canonical encoding defined here, so two
programs that agree on this file agree on every hash. See ``docs/draws.md`` for the definition.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

# Integers beyond 2**53 - 1 lose precision in JavaScript, so a certificate may not contain them.
MAX_SAFE_INTEGER = 2**53 - 1
# A fixed nesting limit, so that no verifier's recursion limit decides whether a record is readable.
MAX_NESTING = 32


class CanonicalError(ValueError):
    """A value has no canonical JSON encoding (floats, huge integers, non-ASCII keys, lone surrogates)."""


def _check(value: Any, where: str, level: int = 0) -> None:
    """Refuse anything whose encoding could differ between two correct implementations."""
    if isinstance(value, list | tuple | Mapping):
        level += 1
        if level > MAX_NESTING:
            raise CanonicalError(f"{where}: arrays and objects nest more than {MAX_NESTING} deep")
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalError(f"{where}: integer {value} is outside ±(2**53 - 1)")
        return
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise CanonicalError(f"{where}: string is not valid Unicode (lone surrogate)") from exc
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, f"{where}[{index}]", level)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            # ASCII keys sort the same by code point, by UTF-16 unit (RFC 8785) and by UTF-8 byte.
            if not isinstance(key, str) or not key.isascii():
                raise CanonicalError(f"{where}: object keys must be ASCII strings, got {key!r}")
            _check(item, f"{where}.{key}", level)
        return
    raise CanonicalError(f"{where}: {type(value).__name__} values are not allowed (no floats)")


def canonical_json(value: Any) -> bytes:
    """Return the canonical UTF-8 encoding of a JSON value: sorted keys, no spaces, minimal escapes."""
    _check(value, "$")
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8")


def sha256_hex(data: bytes) -> str:
    """Return the lowercase hexadecimal SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build an object, refusing a repeated key (a reader could otherwise see a value we never hashed)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise CanonicalError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _refuse_float(text: str) -> Any:
    raise CanonicalError(f"non-integer number {text}")


def loads_strict(text: str | bytes) -> Any:
    """Parse JSON, refusing duplicate keys, non-integer numbers, NaN and Infinity."""
    try:
        # Bytes are read as UTF-8 only: json.loads would also guess UTF-16 and UTF-32, which verifiers do not.
        return json.loads(
            text.decode("utf-8") if isinstance(text, bytes) else text,
            object_pairs_hook=_refuse_duplicates,
            parse_float=_refuse_float,
            parse_constant=_refuse_float,
        )
    except CanonicalError:
        raise
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, over-long integers, absurd nesting
        raise CanonicalError(f"not valid JSON: {exc}") from exc
