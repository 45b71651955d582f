"""A transparent encoder for tests of the aspect rule and its storage (the real one is E5, tested slow)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray


class WordEncoder:
    """A transparent stand-in for E5: one dimension per hashed word, so similarity is shared words."""

    dim = 512

    def __init__(self) -> None:
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.calls.append(len(texts))
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.casefold()):
                rows[i, int(hashlib.blake2b(word.encode(), digest_size=8).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.where(norms == 0, 1, norms)
