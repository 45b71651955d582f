"""The interface every backend returns: SentimentScore and the neutral-band decision."""

from __future__ import annotations

import dataclasses

import pytest

from sentiment.scores import LABELS, SentimentScore, blank_score, decide


def _probs(negative: float, neutral: float, positive: float) -> dict[str, float]:
    return {"negative": negative, "neutral": neutral, "positive": positive}


def test_score_is_frozen_and_hashable() -> None:
    score = SentimentScore(label="positive", score=0.5, probabilities=_probs(0.1, 0.3, 0.6))
    with pytest.raises(dataclasses.FrozenInstanceError):
        score.label = "negative"  # type: ignore[misc]
    assert hash(score) == hash(SentimentScore(label="positive", score=0.5, probabilities=_probs(0.1, 0.3, 0.6)))


@pytest.mark.parametrize(
    ("label", "value", "probs"),
    [
        ("great", 0.0, _probs(0, 1, 0)),
        ("positive", 1.5, _probs(0, 0, 1)),
        ("negative", float("nan"), _probs(1, 0, 0)),
        ("neutral", 0.0, {"neutral": 1.0}),
    ],
)
def test_score_rejects_invalid_values(label: str, value: float, probs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        SentimentScore(label=label, score=value, probabilities=probs)  # type: ignore[arg-type]


def test_decide_gives_polar_label_only_when_confident() -> None:
    assert decide(_probs(0.05, 0.15, 0.8)).label == "positive"
    assert decide(_probs(0.7, 0.2, 0.1)).label == "negative"
    # positive wins but holds less than half of the mass: low confidence, so neutral
    low = decide(_probs(0.25, 0.3, 0.45))
    assert low.label == "neutral"
    assert low.score == pytest.approx(0.2)
    assert decide(_probs(0.25, 0.3, 0.45), min_confidence=0.4).label == "positive"
    assert decide(_probs(0.1, 0.8, 0.1)).label == "neutral"


def test_decide_uses_given_polarity_and_clips_it() -> None:
    assert decide(_probs(0, 0, 1), polarity=0.75).score == 0.75
    assert decide(_probs(0, 0, 1), polarity=1.0000001).score == 1.0


def test_blank_score_is_neutral() -> None:
    score = blank_score()
    assert score.label == "neutral"
    assert score.score == 0.0
    assert set(score.probabilities) == set(LABELS)
