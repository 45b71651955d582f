"""The Merkle tree over entry ids that inclusion receipts are checked against (ugc-hub-draw/1).

Leaves are ``SHA-256(0x00 || utf8(entry_id))`` in the frozen (canonical) order, inner nodes are
``SHA-256(0x01 || left || right)``. Each level pairs nodes from the left; an odd last node moves up
unchanged (it is never duplicated, so no two lists share a root). The prefixes keep a leaf from
ever being read as an inner node.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def leaf_hash(entry_id: str) -> bytes:
    """Hash one entry id into a leaf."""
    return hashlib.sha256(LEAF_PREFIX + entry_id.encode("utf-8")).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two children into their parent."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _next_level(level: Sequence[bytes]) -> list[bytes]:
    parents = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        parents.append(level[-1])
    return parents


def merkle_root(entry_ids: Sequence[str]) -> str:
    """Return the hex root of the tree over the entry ids, in the order given (at least one)."""
    if not entry_ids:
        raise ValueError("a Merkle tree needs at least one entry")
    level = [leaf_hash(entry_id) for entry_id in entry_ids]
    while len(level) > 1:
        level = _next_level(level)
    return level[0].hex()


def inclusion_path(entry_ids: Sequence[str], index: int) -> list[str]:
    """Return the sibling hashes (hex, leaf level first) that lead from entry ``index`` to the root."""
    if not 0 <= index < len(entry_ids):
        raise IndexError(f"index {index} outside a list of {len(entry_ids)}")
    level = [leaf_hash(entry_id) for entry_id in entry_ids]
    path: list[str] = []
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):  # the odd last node has no sibling and adds nothing to the path
            path.append(level[sibling].hex())
        level = _next_level(level)
        index //= 2
    return path


def root_from_path(entry_id: str, index: int, count: int, path: Sequence[bytes]) -> bytes | None:
    """Recompute the root from one entry and its path; None when the path has the wrong length."""
    if not 0 <= index < count:
        return None
    node = leaf_hash(entry_id)
    remaining = list(path)
    size = count
    while size > 1:
        if index % 2 == 1:
            if not remaining:
                return None
            node = node_hash(remaining.pop(0), node)
        elif index + 1 < size:
            if not remaining:
                return None
            node = node_hash(node, remaining.pop(0))
        index //= 2
        size = (size + 1) // 2
    return None if remaining else node
