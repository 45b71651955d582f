"""Read the SENTIMENT_* keys of a configuration mapping into a typed, validated value."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sentiment.errors import SentimentConfigError
from sentiment.scores import DEFAULT_MIN_CONFIDENCE

BACKEND_NAMES = ("default", "transformers")


@dataclass(frozen=True)
class SentimentConfig:
    """Settings shared by the backends; each backend reads the ones it needs."""

    backend: str = "default"
    model: str | None = None
    label_map: str | Mapping[str, str] | None = None
    batch_size: int = 32
    torch_threads: int | None = None
    max_length: int = 512
    allow_download: bool = False
    min_confidence: float = DEFAULT_MIN_CONFIDENCE

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> SentimentConfig:
        """Build from a Flask-style mapping (SENTIMENT_BACKEND, SENTIMENT_MODEL, ...); unknown keys are ignored."""
        backend = str(config.get("SENTIMENT_BACKEND") or "default").strip().lower()
        if backend not in BACKEND_NAMES:
            raise SentimentConfigError(f"SENTIMENT_BACKEND must be one of {BACKEND_NAMES}, got {backend!r}")
        model = config.get("SENTIMENT_MODEL") or None
        if backend == "transformers" and not model:
            raise SentimentConfigError(
                "SENTIMENT_BACKEND='transformers' needs SENTIMENT_MODEL (a Hugging Face model id or a local directory)"
            )
        label_map = _label_map(config.get("SENTIMENT_LABEL_MAP") or None)
        threads = config.get("SENTIMENT_TORCH_THREADS")
        return cls(
            backend=backend,
            model=str(model) if model else None,
            label_map=label_map,
            batch_size=_positive_int(config, "SENTIMENT_BATCH_SIZE", 32),
            torch_threads=_positive_int(config, "SENTIMENT_TORCH_THREADS", 1) if threads else None,
            max_length=_positive_int(config, "SENTIMENT_MAX_LENGTH", 512),
            allow_download=_flag(config.get("SENTIMENT_ALLOW_DOWNLOAD", False)),
            min_confidence=_probability(config, "SENTIMENT_MIN_CONFIDENCE", DEFAULT_MIN_CONFIDENCE),
        )


def _label_map(raw: Any) -> str | Mapping[str, str] | None:
    """Accept a preset name, a mapping, or a mapping written as JSON (as an environment variable must)."""
    if isinstance(raw, str) and raw.lstrip().startswith("{"):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as error:
            raise SentimentConfigError(f"SENTIMENT_LABEL_MAP is not valid JSON: {error}") from None
    if raw is None or isinstance(raw, str):
        return raw
    if isinstance(raw, Mapping):
        # Keys may be output indices given as ints; label names and indices are compared as text.
        return {str(key): str(value) for key, value in raw.items()}
    raise SentimentConfigError("SENTIMENT_LABEL_MAP must be a preset name or a mapping of model label to label")


def _positive_int(config: Mapping[str, Any], key: str, default: int) -> int:
    """Read an integer >= 1 or fail naming the key."""
    raw = config.get(key, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise SentimentConfigError(f"{key} must be an integer, got {raw!r}") from None
    if value < 1:
        raise SentimentConfigError(f"{key} must be at least 1, got {value}")
    return value


def _probability(config: Mapping[str, Any], key: str, default: float) -> float:
    """Read a float in [0, 1] or fail naming the key."""
    raw = config.get(key, default)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise SentimentConfigError(f"{key} must be a number, got {raw!r}") from None
    if not 0.0 <= value <= 1.0:
        raise SentimentConfigError(f"{key} must be within [0, 1], got {value}")
    return value


def _flag(raw: Any) -> bool:
    """Read a boolean that may come from an environment variable ("1", "true", "yes")."""
    if isinstance(raw, str):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return bool(raw)
