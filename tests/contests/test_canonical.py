"""Canonical JSON: the byte layout every hash of a draw is computed over."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contests import verify_draw_standalone as standalone
from contests.canonical import MAX_SAFE_INTEGER, CanonicalError, canonical_json, loads_strict
from tests.contests.support import PROPERTY

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(st.characters(max_codepoint=127), max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


def test_known_encoding() -> None:
    value = {"b": 1, "a": [True, None, 'é\n"\\\u0001\u007f'], "B": {}}
    assert canonical_json(value) == b'{"B":{},"a":[true,null,"\xc3\xa9\\n\\"\\\\\\u0001\x7f"],"b":1}'


@pytest.mark.parametrize(
    "value",
    [1.5, 2**53, -(2**53), {"é": 1}, {1: 2}, "\ud800", {1, 2}, b"bytes"],
    ids=["float", "too big", "too small", "non-ASCII key", "int key", "lone surrogate", "set", "bytes"],
)
def test_refuses_values_without_a_canonical_form(value: object) -> None:
    with pytest.raises(CanonicalError):
        canonical_json(value)


@pytest.mark.parametrize(
    "text",
    ['{"a": 1, "a": 2}', '{"a": 1.0}', '{"a": 1e3}', '{"a": NaN}', "[Infinity]", "{", '{"a": "\\ud800"'],
)
def test_strict_parsing_refuses_ambiguous_json(text: str) -> None:
    with pytest.raises(CanonicalError):
        loads_strict(text)


@PROPERTY
@given(json_values)
def test_round_trips_and_matches_the_standalone_encoder(value: object) -> None:
    encoded = canonical_json(value)
    assert json.loads(encoded) == value
    assert standalone.canon(value) == encoded


def test_nesting_is_limited_the_same_way_in_both_encoders() -> None:
    value: list[object] = []
    for _ in range(31):
        value = [value]
    assert standalone.canon(value) == canonical_json(value) == b"[" * 32 + b"]" * 32
    with pytest.raises(CanonicalError, match="nest more than 32"):
        canonical_json([value])
    with pytest.raises(standalone.Failed, match="nest more than 32"):
        standalone.canon([value])


def test_bytes_are_read_as_utf8_only() -> None:
    assert loads_strict('{"a": "é"}'.encode()) == {"a": "é"}
    with pytest.raises(CanonicalError):
        loads_strict('{"a": 1}'.encode("utf-16"))
