"""The Instagram Graph API client: ``GraphReader`` for the Graph collectors, ``GraphClient`` for the
rights workflow's replies (``collectors.instagram.replies``).

Reading (the collectors): paging, usage headers, error objects. A throttle's wait comes from the usage
headers (``X-Business-Use-Case-Usage`` / ``X-App-Usage``: ``estimated_time_to_regain_access`` in
minutes) when Meta gives one, else one hour.

Writing (the replies), routes from developers.facebook.com, Instagram Platform reference:

* ``POST /{ig-user-id}/mentions`` with ``media_id`` and ``message``: comment on a post whose caption
  @mentions the brand (the media id comes from the ``mentions`` webhook or a Graph collector);
* ``POST /{ig-media-id}/comments`` with ``message``: comment on the brand's own media;
* ``POST /{ig-comment-id}/replies`` with ``message``: answer a comment on the brand's own media;
* ``GET /{ig-user-id}/media?fields=id,shortcode``: find the brand's media by shortcode.

Each answers ``{"id": "<new id>"}``; failures are ``{"error": {"message", "type", "code",
"error_subcode"?, "fbtrace_id"}}``, mapped by ``graph_error`` to collector errors (190 → re-login;
4/17/32/613 → rate limited; permissions → configuration). The token travels in the ``Authorization``
header, never in a logged URL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from collectors.base import SettingField, resolve_settings
from collectors.errors import (
    CollectorError,
    ConfigurationError,
    MappingError,
    RateLimited,
    ReloginRequired,
    TransientError,
)
from collectors.shapes import as_list, as_mapping
from ugc_hub.netguard import AddressRefused, FetchError, guarded_session

DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"
#: Graph gives no Retry-After; its throttles are counted over an hour.
RATE_LIMIT_BACKOFF = 3600.0
_RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001, 80002, 80006})
_TOKEN_CODES = frozenset({102, 190})
_PERMISSION_CODES = frozenset({3, 10, *range(200, 300)})

GRAPH_FIELDS: tuple[SettingField, ...] = (
    SettingField(
        "graph_access_token",
        "Instagram Graph API access token",
        "secret",
        help="A token of the brand's professional account with instagram_basic and instagram_manage_comments. "
        "Needed only to post permission requests through the API.",
    ),
    SettingField("graph_user_id", "Instagram professional account id (Graph API)", "str"),
    SettingField("graph_url", "Graph API URL", "str", default=DEFAULT_GRAPH_URL, advanced=True),
    SettingField("graph_timeout", "Graph API timeout (seconds)", "int", default=20, advanced=True),
)


class GraphRefused(CollectorError):
    """The Graph API refused the call for a reason retrying will not fix (no such object, comments off...)."""

    def __init__(self, message: str, *, code: int | None = None, subcode: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.subcode = subcode


def graph_values(settings: Mapping[str, Any]) -> dict[str, Any] | None:
    """The Graph settings, or None when no token or account id is set (the API route is not configured)."""
    values, problems = resolve_settings(GRAPH_FIELDS, settings)
    if problems:
        raise ConfigurationError("; ".join(problems))
    if not values.get("graph_access_token") or not values.get("graph_user_id"):
        return None
    return values


class GraphClient:
    """Calls one Graph API host with one token."""

    def __init__(self, values: Mapping[str, Any], *, session: requests.Session | None = None) -> None:
        self.base_url = str(values.get("graph_url") or DEFAULT_GRAPH_URL).rstrip("/")
        self.user_id = str(values["graph_user_id"])
        self.timeout = float(values.get("graph_timeout") or 20)
        self._token = str(values["graph_access_token"])
        self._session = session or guarded_session()

    def get(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        return self._call("GET", path, params=dict(params or {}))

    def post(self, path: str, data: Mapping[str, str]) -> dict[str, Any]:
        return self._call("POST", path, data=dict(data))

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
        action = f"{method} {path.split('?')[0]}"
        try:
            response = self._session.request(
                method, url, headers={"Authorization": f"Bearer {self._token}"}, timeout=self.timeout, **kwargs
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
            raise graph_error(body["error"], action)
        if response.status_code >= 500:
            raise TransientError(f"the Instagram Graph API answered {response.status_code} ({action})")
        if response.status_code >= 400 or not isinstance(body, dict):
            raise TransientError(
                f"the Instagram Graph API answered {response.status_code} without a readable JSON body ({action})"
            )
        return body


def graph_error(error: Mapping[str, Any], action: str) -> CollectorError:
    """Map a Graph ``error`` object to the collector error that says what to do about it."""
    code = error.get("code") if isinstance(error.get("code"), int) else None
    subcode = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
    trace = error.get("fbtrace_id")
    message = f"{error.get('message') or 'unknown error'} (code {code}, {action}, fbtrace_id {trace})"
    if code in _TOKEN_CODES:
        return ReloginRequired(f"the Instagram Graph API token no longer works; reconnect the account: {message}")
    if code in _RATE_LIMIT_CODES:
        return RateLimited(RATE_LIMIT_BACKOFF, f"the Instagram Graph API asks us to slow down: {message}")
    if code in _PERMISSION_CODES:
        return ConfigurationError(f"the Instagram Graph API token lacks a permission: {message}")
    if error.get("is_transient") is True or code in (1, 2):
        return TransientError(f"the Instagram Graph API failed temporarily: {message}")
    return GraphRefused(f"the Instagram Graph API refused the call: {message}", code=code, subcode=subcode)


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
