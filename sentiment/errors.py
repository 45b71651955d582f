"""Errors the sentiment package raises, each with a message that says what to do."""


class SentimentError(Exception):
    """Base class for every error of the sentiment package."""


class SentimentConfigError(SentimentError, ValueError):
    """The SENTIMENT_* configuration is invalid."""


class ModelNotAvailableError(SentimentError):
    """The configured model cannot be loaded from disk (and downloading is not allowed)."""


class ModelIntegrityError(SentimentError):
    """A model file is missing or its sha256 differs from the pinned one."""


class LabelMapError(SentimentError, ValueError):
    """The model's labels cannot be mapped to negative/neutral/positive."""
