"""Plain ``requests`` calls for the collectors that fetch HTTP themselves (feeds, review stores).

Every call has a timeout, and every failure becomes a collector error: a network error is never
mistaken for "nothing new". Sessions come from ``ugc_hub.netguard.guarded_session``, so a source's
URL never reaches the hub's own network.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from collectors.errors import ConfigurationError, RateLimited, TransientError
from ugc_hub.netguard import AddressRefused, FetchError

DEFAULT_RETRY_AFTER = 300.0


def retry_after(value: str | None, default: float = DEFAULT_RETRY_AFTER, *, now: datetime | None = None) -> float:
    """Return the seconds a Retry-After header asks for (seconds or an HTTP date), or ``default``."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: float,
    what: str,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
    data: bytes | str | None = None,
) -> requests.Response:
    """Send one request; return the response for 2xx/304, raise a collector error otherwise.

    A ``guarded_session`` refuses private addresses before connecting: that is a setting to change,
    not a failure to retry.
    """
    try:
        response = session.request(method, url, headers=dict(headers or {}), params=params, data=data, timeout=timeout)
    except AddressRefused as exc:
        raise ConfigurationError(f"{what}: {exc} ({url}); the hub only fetches from public addresses") from exc
    except FetchError as exc:
        raise TransientError(f"{what}: {exc}") from exc
    except requests.Timeout as exc:
        raise TransientError(f"{what}: no answer within {timeout:g} s ({url})") from exc
    except requests.RequestException as exc:
        raise TransientError(f"{what}: request failed: {exc}") from exc
    status = response.status_code
    if status == 304 or 200 <= status < 300:
        return response
    if status == 429:
        seconds = retry_after(response.headers.get("Retry-After"))
        raise RateLimited(seconds, f"{what}: 429 Too Many Requests; retry in {seconds:.0f} s")
    if status == 503 and response.headers.get("Retry-After"):
        seconds = retry_after(response.headers.get("Retry-After"))
        raise RateLimited(seconds, f"{what}: 503 Service Unavailable; retry in {seconds:.0f} s")
    if status >= 500 or status == 408:
        raise TransientError(f"{what}: the server answered {status} {response.reason}")
    if status in (404, 410):
        raise ConfigurationError(f"{what}: nothing at {url} ({status} {response.reason})")
    if status in (401, 403):
        raise ConfigurationError(f"{what}: access refused ({status} {response.reason}) at {url}")
    if 400 <= status < 500:
        raise ConfigurationError(f"{what}: the request was refused ({status} {response.reason}) at {url}")
    raise TransientError(f"{what}: unexpected answer {status} {response.reason} from {url}")
