"""Group texts of similar length so that each batch carries little padding."""

from __future__ import annotations

from collections.abc import Sequence


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Return batches of indices into ``lengths``, shortest first; callers put results back by index."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    # sorted() is stable, so equal lengths keep their input order (deterministic batches).
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
