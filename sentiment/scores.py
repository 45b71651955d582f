"""The sentiment interface: what every backend returns and promises."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")

# Probability mass a polar label needs before we call it; below this the text is neutral.
DEFAULT_MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class SentimentScore:
    """One text's sentiment: a 3-way label, a polarity in [-1, 1] and the label probabilities."""

    label: Label
    score: float
    # Not part of the hash (a dict is unhashable); still compared by ==.
    probabilities: Mapping[str, float] = field(hash=False)

    def __post_init__(self) -> None:
        if self.label not in LABELS:
            raise ValueError(f"label must be one of {LABELS}, got {self.label!r}")
        if not (-1.0 <= self.score <= 1.0) or math.isnan(self.score):
            raise ValueError(f"score must be within [-1, 1], got {self.score!r}")
        if set(self.probabilities) != set(LABELS):
            raise ValueError(f"probabilities must have exactly the keys {LABELS}")


@runtime_checkable
class SentimentBackend(Protocol):
    """Texts in, scores out, in the same order; no I/O besides loading the model."""

    name: str
    version: str

    def score(self, texts: Sequence[str]) -> list[SentimentScore]:
        """Score each text; the i-th result belongs to the i-th text."""
        ...


def decide(
    probabilities: Mapping[str, float],
    *,
    polarity: float | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> SentimentScore:
    """Turn label probabilities into a score: a polar label only when it is the winner and confident enough."""
    probs: dict[str, float] = {label: float(probabilities.get(label, 0.0)) for label in LABELS}
    winner = max(LABELS, key=lambda label: probs[label])
    label: Label = winner
    if winner != "neutral" and probs[winner] < min_confidence:
        label = "neutral"
    value = probs["positive"] - probs["negative"] if polarity is None else polarity
    return SentimentScore(label=label, score=max(-1.0, min(1.0, value)), probabilities=probs)


def blank_score() -> SentimentScore:
    """Return the score given to a text with nothing to read (empty, whitespace, markup only)."""
    return SentimentScore(label="neutral", score=0.0, probabilities={"negative": 0.0, "neutral": 1.0, "positive": 0.0})
