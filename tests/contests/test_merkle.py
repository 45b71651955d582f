"""The Merkle tree behind inclusion receipts."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contests import verify_draw_standalone as standalone
from contests.merkle import inclusion_path, leaf_hash, merkle_root, node_hash, root_from_path
from tests.contests.support import PROPERTY


def _ids(count: int) -> list[str]:
    return [f"id-{number:03d}" for number in range(count)]


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    assert leaf_hash("a") == hashlib.sha256(b"\x00a").digest()
    assert node_hash(b"L", b"R") == hashlib.sha256(b"\x01LR").digest()


def test_three_leaves_promote_the_odd_one() -> None:
    a, b, c = (leaf_hash(entry) for entry in "abc")
    assert merkle_root(["a", "b", "c"]) == node_hash(node_hash(a, b), c).hex()
    assert merkle_root(["a"]) == a.hex()
    assert inclusion_path(["a", "b", "c"], 2) == [node_hash(a, b).hex()]


def test_empty_list_has_no_root() -> None:
    with pytest.raises(ValueError, match="at least one"):
        merkle_root([])


@pytest.mark.parametrize("count", range(1, 20))
def test_every_path_leads_to_the_root_and_nothing_else_does(count: int) -> None:
    ids = _ids(count)
    root = bytes.fromhex(merkle_root(ids))
    assert standalone.tree_root(ids) == root
    for index, entry in enumerate(ids):
        path = [bytes.fromhex(step) for step in inclusion_path(ids, index)]
        assert root_from_path(entry, index, count, path) == root
        assert root_from_path("intruder", index, count, path) != root
        assert root_from_path(entry, index, count, [*path, root]) is None
        if path:
            assert root_from_path(entry, index, count, path[:-1]) is None
            assert root_from_path(entry, index ^ 1, count, path) != root


@PROPERTY
@given(st.integers(1, 300), st.data())
def test_paths_are_logarithmic_and_agree_with_the_standalone_verifier(count: int, data: st.DataObject) -> None:
    ids = _ids(count)
    index = data.draw(st.integers(0, count - 1))
    path = inclusion_path(ids, index)
    assert len(path) <= max(count - 1, 0).bit_length()
    assert standalone.root_via(ids[index], index, count, path) == bytes.fromhex(merkle_root(ids))
