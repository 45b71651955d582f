"""Errors a collector raises; the runner maps each to a retry policy or a source status."""

from __future__ import annotations


class CollectorError(Exception):
    """Base of every error a collector raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RateLimited(CollectorError):
    """The platform asked us to slow down; retry no sooner than ``retry_after_seconds``."""

    def __init__(self, retry_after_seconds: float, message: str) -> None:
        super().__init__(message)
        self.retry_after_seconds = max(0.0, float(retry_after_seconds))


class ReloginRequired(CollectorError):
    """The stored session or credentials no longer work; a person must log in again."""


class TransientError(CollectorError):
    """A failure worth retrying with backoff: 5xx, timeouts, dropped connections, truncated bodies."""


class ConfigurationError(CollectorError):
    """The source settings are wrong or incomplete; retrying will not help until they change."""


class MappingError(CollectorError):
    """A payload does not have the shape the mapping expects (the platform changed its JSON).

    Raised by ``map_item`` for one item, or by ``fetch`` when a whole page is unreadable.
    """

    def __init__(self, message: str, *, platform_id: str | None = None) -> None:
        super().__init__(message)
        self.platform_id = platform_id


class SkippedItem(MappingError):
    """An item left out on purpose (deleted or removed on its platform): counted as rejected, with why."""
