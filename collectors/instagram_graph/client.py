"""GET calls to the Instagram Graph API for the collectors: paging, usage headers, error objects.

Errors reuse ``collectors.replies.graph.graph_error`` (190 → re-login; 4/17/32/613 → rate limited;
permissions → configuration). A throttle's wait comes from the usage headers
(``X-Business-Use-Case-Usage`` / ``X-App-Usage``: ``estimated_time_to_regain_access`` in minutes) when
Meta gives one, else one hour. The token travels in the ``Authorization`` header, never in a URL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from collectors.errors import ConfigurationError, MappingError, RateLimited, TransientError
from collectors.replies.graph import RATE_LIMIT_BACKOFF, graph_error
from collectors.shapes import as_list, as_mapping
from ugc_hub.netguard import AddressRefused, FetchError, guarded_session

#: Meta's "hashtag limit reached" error; the collector also enforces the budget before asking.
HASHTAG_LIMIT_SUBCODE = 2207034
MAX_PAGES_PER_EDGE = 50


class HashtagBudgetRefused(Exception):
    """Graph refused a hashtag search because the account's weekly budget is spent."""


def regain_seconds(headers: Mapping[str, str]) -> float | None:
    """The longest ``estimated_time_to_regain_access`` (minutes) in Graph's usage headers, in seconds."""
    waits: list[float] = []
    for name in ("x-business-use-case-usage", "x-app-usage"):
        raw = headers.get(name)
        if not raw:
            continue
        try:
            parsed = json.loads(raw)
        except ValueError:
            continue
        entries = [e for group in as_mapping(parsed).values() for e in as_list(group)] or [parsed]
        for entry in entries:
            minutes = as_mapping(entry).get("estimated_time_to_regain_access")
            if isinstance(minutes, int | float) and not isinstance(minutes, bool) and minutes > 0:
                waits.append(float(minutes) * 60)
    return max(waits) if waits else None


class GraphReader:
    """Reads one Graph API host with one token."""

    def __init__(self, values: Mapping[str, Any], *, session: requests.Session | None = None) -> None:
        self.base_url = str(values["graph_url"]).rstrip("/")
        self.user_id = str(values["graph_user_id"])
        self.timeout = float(values.get("graph_timeout") or 20)
        self._token = str(values["graph_access_token"])
        self._session = session or guarded_session()

    def close(self) -> None:
        self._session.close()

    def get(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """GET a path (or a full ``paging.next`` URL) and return the JSON object."""
        url = path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
        action = f"GET {urlsplit(url).path}"
        try:
            response = self._session.get(
                url, params=dict(params or {}), headers={"Authorization": f"Bearer {self._token}"}, timeout=self.timeout
            )
        except AddressRefused as exc:
            raise ConfigurationError(f"{exc} ({action}); the hub only fetches from public addresses") from exc
        except (requests.RequestException, FetchError) as exc:
            raise TransientError(f"the Instagram Graph API could not be reached ({action}): {exc!r}") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            error = body["error"]
            if error.get("error_subcode") == HASHTAG_LIMIT_SUBCODE:
                raise HashtagBudgetRefused(str(error.get("message") or "hashtag limit reached"))
            mapped = graph_error(error, action)
            if isinstance(mapped, RateLimited):
                wait = regain_seconds(response.headers) or RATE_LIMIT_BACKOFF
                raise RateLimited(wait, mapped.message) from None
            raise mapped
        if response.status_code == 429:
            raise RateLimited(RATE_LIMIT_BACKOFF, f"the Instagram Graph API answered 429 ({action})")
        if response.status_code >= 500:
            raise TransientError(f"the Instagram Graph API answered {response.status_code} ({action})")
        if response.status_code >= 400:
            raise TransientError(f"the Instagram Graph API answered {response.status_code} without an error object")
        if not isinstance(body, dict):
            raise TransientError(f"the Instagram Graph API sent an unreadable or truncated body ({action})")
        return body

    def pages(
        self, path: str, params: Mapping[str, str], after: str | None = None
    ) -> Iterator[tuple[list[Any], str | None]]:
        """Yield each page's ``data`` with the ``after`` cursor of the next page (None on the last one)."""
        query = dict(params)
        if after:
            query["after"] = after
        for _ in range(MAX_PAGES_PER_EDGE):
            body = self.get(path, query)
            data = body.get("data")
            if not isinstance(data, list):
                raise MappingError(f"Instagram Graph {path}: 'data' is not a list; the API shape may have changed")
            paging = as_mapping(body.get("paging"))
            following = as_mapping(paging.get("cursors")).get("after") if paging.get("next") else None
            yield data, following if isinstance(following, str) and following else None
            if not following or not data:
                return
            query["after"] = str(following)

    def token_facts(self) -> Mapping[str, Any]:
        """``debug_token`` on our own token: ``is_valid``, ``expires_at`` (0 = never), ``scopes``..."""
        return as_mapping(self.get("debug_token", {"input_token": self._token}).get("data"))
