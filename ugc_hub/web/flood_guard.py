"""A coarse per-address limit on one hot endpoint, counted by the `limits` library without Flask-Limiter's layer.

Flask-Limiter resolves every limit, exemption and per-request context twice per request (in its
``before_request`` hook, then in the route's decorator): measured on the support endpoint, the hub's hottest
write, that cost about 0.45 ms of CPU per request, a fifth of the request's own work in the worker
(docs/ideas.md). Counting the same windows in the same storage takes one ``hit`` per limit, and a request
filter (Flask-Limiter's own API) makes its hook skip the endpoints guarded here. Other endpoints keep the
decorator: their traffic does not make that cost matter.
"""

from __future__ import annotations

import logging
import math
import time
import weakref
from functools import cache

from flask import request
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, RateLimiter

from ugc_hub.extensions import limiter

log = logging.getLogger(__name__)

# Where the counts go while the shared storage (Redis) cannot be reached: each process counts for itself, as
# Flask-Limiter does with RATELIMIT_IN_MEMORY_FALLBACK_ENABLED. After a failure the storage is left alone for
# RETRY_STORAGE_AFTER seconds, so an unreachable host does not add a connection timeout to every request.
_FALLBACK = FixedWindowRateLimiter(MemoryStorage())
RETRY_STORAGE_AFTER = 30.0
_failed_at: weakref.WeakKeyDictionary[RateLimiter, float] = weakref.WeakKeyDictionary()  # per app's strategy


#: The endpoints whose limits this module counts; Flask-Limiter's hook passes them by.
GUARDED_ENDPOINTS = frozenset({"ideas.support"})


@limiter.request_filter
def _guarded_here() -> bool:
    return request.endpoint in GUARDED_ENDPOINTS


@cache
def _items(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text)) if text.strip() else ()


def _count(strategy: RateLimiter, items: tuple[RateLimitItem, ...], scope: str, key: str) -> int | None:
    for item in items:
        if not strategy.hit(item, scope, key):
            reset_at = strategy.get_window_stats(item, scope, key).reset_time
            return max(1, math.ceil(reset_at - time.time()))
    return None


def seconds_refused(limits_text: str, key: str) -> int | None:
    """Count one request of ``key`` (an address) to this endpoint against ``limits_text`` ("30 per minute;300 per
    hour").

    None: the request may go on. Else the seconds until the window of the first limit it broke ends. The limits
    are off wherever Flask-Limiter is (``RATELIMIT_ENABLED``). The count is per endpoint, which must be one of
    ``GUARDED_ENDPOINTS``: elsewhere Flask-Limiter's hook would evaluate the request too.
    """
    scope = request.endpoint
    if scope not in GUARDED_ENDPOINTS:
        raise RuntimeError(f"endpoint {scope!r} is not in flood_guard.GUARDED_ENDPOINTS")
    items = _items(limits_text)
    if not items or not limiter.enabled:
        return None
    shared = limiter.limiter
    failed_at = _failed_at.get(shared)
    if failed_at is not None and time.monotonic() - failed_at < RETRY_STORAGE_AFTER:
        return _count(_FALLBACK, items, scope, key)
    try:
        wait = _count(shared, items, scope, key)
    except Exception:  # the storage is unreachable: the guard degrades to this process's own counts
        log.warning("rate-limit storage unreachable; counting %s in this process for a while", scope, exc_info=True)
        _failed_at[shared] = time.monotonic()
        return _count(_FALLBACK, items, scope, key)
    _failed_at.pop(shared, None)
    return wait
