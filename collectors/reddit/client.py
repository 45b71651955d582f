"""Build a ``praw.Reddit`` for a source and turn prawcore failures into collector errors.

Imported only when a Reddit run starts, so a missing praw disables the plugin instead of
breaking the registry.

Retry policy: the runner owns retries (Celery backoff, resume from the committed cursor), so
nothing here sleeps. ``FailFastRequestor`` turns 5xx answers and transport errors into
``TransientError`` before prawcore's own retry loop (which sleeps up to 6 s) sees them, and turns
an exhausted request budget into ``RateLimited`` instead of letting prawcore's rate limiter sleep
until the window resets (up to 10 minutes).

praw sends through ``ugc_hub.netguard.guarded_session``: a Reddit URL setting on a private address is
refused at each connection, as a setting to change.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import praw
import praw.exceptions
import prawcore
import prawcore.exceptions
import requests
from prawcore.requestor import Requestor

from collectors.errors import CollectorError, ConfigurationError, RateLimited, TransientError
from collectors.reddit.settings import DEFAULT_USER_AGENT
from ugc_hub.netguard import AddressRefused, guarded_session

DEFAULT_RETRY_AFTER = 60.0
_BUDGET_HEADERS = ("x-ratelimit-remaining", "x-ratelimit-used", "x-ratelimit-reset")
_RATELIMIT_RE = re.compile(r"(\d+)\s+(millisecond|second|minute)", re.IGNORECASE)


class FailFastRequestor(Requestor):
    """A prawcore requestor that raises instead of letting prawcore retry or sleep."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._exhausted_until = 0.0

    def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> requests.Response:
        """Send one request; raise ``RateLimited`` or ``TransientError`` rather than wait."""
        wait = self._exhausted_until - time.monotonic()
        if wait > 0:
            raise RateLimited(wait, f"the Reddit request budget is used up; it resets in {wait:.0f} s")
        try:
            # praw 8.0.3 reads its ``timeout`` setting but never passes it on, and prawcore sends
            # every API call with its own 16 s default: apply the source's timeout here.
            response = super().request(*args, timeout=self.timeout, **kwargs)
        except prawcore.exceptions.RequestException as exc:
            if isinstance(exc.original_exception, AddressRefused):
                raise ConfigurationError(
                    f"{exc.original_exception}; the hub only fetches from public addresses"
                ) from exc
            raise TransientError(f"Reddit could not be reached: {exc.original_exception!r}") from exc
        if response.status_code >= 500:
            raise TransientError(f"Reddit answered {response.status_code} {response.reason} for {response.url}")
        self._note_budget(response)
        return response

    def _note_budget(self, response: requests.Response) -> None:
        if "/api/v1/access_token" in (response.url or ""):
            return  # the budget headers describe the OAuth API, not the token endpoint
        remaining = response.headers.get("x-ratelimit-remaining")
        reset = response.headers.get("x-ratelimit-reset")
        if remaining is None or reset is None:
            return
        try:
            exhausted, reset_seconds = float(remaining) < 1, float(reset)
        except ValueError:
            return
        if exhausted:
            self._exhausted_until = time.monotonic() + max(reset_seconds, 1.0)
            # Hide the exhausted budget from prawcore's limiter, which would sleep until the
            # reset before the next call; the next call raises RateLimited above instead.
            for name in _BUDGET_HEADERS:
                response.headers.pop(name, None)


def build_reddit(values: Mapping[str, Any], *, need_account: bool = False) -> praw.Reddit:
    """Return a praw client: read-only app credentials, or a script app when a username is set."""
    username = values.get("username") or None
    password = values.get("password") or None
    if need_account and not (username and password):
        raise ConfigurationError("posting on Reddit needs a script app: set the Reddit username and password")
    try:
        return praw.Reddit(
            client_id=values["client_id"],
            client_secret=values["client_secret"],
            user_agent=values.get("user_agent") or DEFAULT_USER_AGENT,
            # Passed explicitly (even as None) so praw_username/praw_password in the environment
            # cannot silently turn a read-only source into a logged-in one.
            username=username,
            password=password,
            oauth_url=values.get("oauth_url") or "https://oauth.reddit.com",
            reddit_url=values.get("reddit_url") or "https://www.reddit.com",
            short_url=values.get("short_url") or "https://redd.it",
            check_for_updates=False,
            # 0: a RATELIMIT answer to a write raises (mapped to RateLimited) instead of sleeping.
            ratelimit_seconds=0,
            requestor_class=FailFastRequestor,
            requestor_kwargs={"timeout": float(values.get("timeout") or 16), "session": guarded_session()},
        )
    except (praw.exceptions.PRAWException, prawcore.exceptions.PrawcoreException) as exc:
        raise ConfigurationError(f"the Reddit client could not be configured: {exc}") from exc


def retry_after_seconds(value: Any, default: float = DEFAULT_RETRY_AFTER) -> float:
    """Return a Retry-After header value in seconds, or ``default``."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return default
    return seconds if seconds > 0 else default


def _ratelimit_seconds(exc: praw.exceptions.RedditAPIException) -> float | None:
    for item in exc.items:
        if item.error_type == "RATELIMIT":
            match = _RATELIMIT_RE.search(item.message or "")
            if match is None:
                return DEFAULT_RETRY_AFTER
            amount, unit = int(match.group(1)), match.group(2).lower()
            return amount * 60.0 if unit == "minute" else (amount / 1000 if unit == "millisecond" else float(amount))
    return None


@contextmanager
def reddit_errors(action: str) -> Iterator[None]:
    """Translate praw/prawcore exceptions raised while doing ``action`` into collector errors."""
    try:
        yield
    except CollectorError:
        raise
    except prawcore.exceptions.TooManyRequests as exc:
        seconds = retry_after_seconds(exc.retry_after)
        raise RateLimited(
            seconds, f"Reddit answered 429 Too Many Requests while {action}; retry in {seconds:.0f} s"
        ) from exc
    except prawcore.exceptions.BadJSON as exc:
        raise TransientError(f"Reddit's answer while {action} was not complete JSON (truncated?): {exc}") from exc
    except (prawcore.exceptions.ServerError, prawcore.exceptions.RequestException) as exc:
        raise TransientError(f"Reddit failed while {action}: {exc}") from exc
    except prawcore.exceptions.OAuthException as exc:
        raise ConfigurationError(f"Reddit rejected the app credentials: {exc}") from exc
    except (prawcore.exceptions.NotFound, prawcore.exceptions.Redirect) as exc:
        raise ConfigurationError(f"Reddit has no such subreddit or item while {action}: {exc}") from exc
    except prawcore.exceptions.Forbidden as exc:
        raise ConfigurationError(
            f"Reddit refused access while {action} (private, banned or quarantined?): {exc}"
        ) from exc
    except prawcore.exceptions.ResponseException as exc:
        if exc.response.status_code == 401:
            raise ConfigurationError(f"Reddit rejected the credentials while {action}: {exc}") from exc
        raise TransientError(f"Reddit answered {exc.response.status_code} while {action}: {exc}") from exc
    except praw.exceptions.RedditAPIException as exc:
        wait = _ratelimit_seconds(exc)
        if wait is not None:
            raise RateLimited(wait, f"Reddit asked us to wait {wait:.0f} s while {action}: {exc}") from exc
        raise
