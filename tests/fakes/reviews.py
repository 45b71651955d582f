"""Review sources answered through ``responses``: an RSS/Atom feed with conditional GET, Apple's
customer-review feed and Google Play's ``batchexecute`` reviews endpoint.

Bodies come from the recorded shapes in ``data/reviews/``; reviews are generated from an index
(higher is newer). Faults: ``add_fault(kind, times=1)`` with ``429``, ``500``, ``timeout``,
``truncated``, ``changed_shape``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import requests
import responses

DATA = Path(__file__).parent / "data" / "reviews"
RSS = (DATA / "feed.rss").read_bytes()
ATOM = (DATA / "feed.atom").read_bytes()
APPSTORE_ENTRY: dict[str, Any] = json.loads((DATA / "appstore_entry.json").read_text())
APPSTORE_FEED: dict[str, Any] = json.loads((DATA / "appstore_feed.json").read_text())
APPSTORE_APP: dict[str, Any] = json.loads((DATA / "appstore_app_entry.json").read_text())
PLAY_REVIEW: list[Any] = json.loads((DATA / "googleplay_review.json").read_text())


def play_url(base_url: str) -> re.Pattern[str]:
    """The batchexecute address under another Google Play base URL (a proxy, a test server)."""
    return re.compile(re.escape(base_url.rstrip("/")) + r"/_/PlayStoreUi/data/batchexecute\?hl=\w+&gl=\w+$")


@dataclass
class _Faults:
    queue: list[tuple[str, int]] = field(default_factory=list)

    def add(self, kind: str, times: int = 1) -> None:
        self.queue.append((kind, times))

    def take(self) -> str | None:
        if not self.queue:
            return None
        kind, times = self.queue[0]
        if times <= 1:
            self.queue.pop(0)
        else:
            self.queue[0] = (kind, times - 1)
        return kind


def _fault_response(kind: str, ok: tuple[int, dict[str, str], str | bytes]) -> tuple[int, dict[str, str], str | bytes]:
    if kind == "timeout":
        raise requests.exceptions.ConnectTimeout("fake connect timeout")
    if kind == "429":
        return 429, {"Retry-After": "120"}, "Too Many Requests"
    if kind == "500":
        return 503, {}, "<html>Service Unavailable</html>"
    if kind == "truncated":
        status, headers, body = ok
        return status, headers, body[: len(body) // 2]
    raise ValueError(f"unknown fault {kind!r}")


@dataclass
class FakeFeed:
    """A feed URL that honours If-None-Match / If-Modified-Since."""

    url: str = "https://forum.example.org/tags/acme.rss"
    body: bytes = RSS
    content_type: str = "application/rss+xml; charset=utf-8"
    modified: datetime = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    faults: _Faults = field(default_factory=_Faults)
    conditional_requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'

    def replace(self, body: bytes) -> None:
        """Publish a new version of the feed."""
        self.body, self.modified = body, self.modified + timedelta(hours=1)

    def install(self, rsps: responses.RequestsMock) -> None:
        rsps.add_callback(responses.GET, self.url, callback=self._serve)

    def _serve(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        headers = {
            "ETag": self.etag,
            "Last-Modified": format_datetime(self.modified, usegmt=True),
            "Content-Type": self.content_type,
        }
        ok: tuple[int, dict[str, str], bytes] = (200, headers, self.body)
        fault = self.faults.take()
        if fault is not None:
            return _fault_response(fault, ok)  # type: ignore[return-value]
        self.conditional_requests.append({k: str(v) for k, v in request.headers.items() if k.lower().startswith("if-")})
        if request.headers.get("If-None-Match") == self.etag:
            return 304, headers, b""
        return ok


@dataclass
class FakeAppStore:
    """Apple's customer-review feed for one app, ``total`` reviews, 50 per page, 10 pages."""

    base_url: str = "https://itunes.example.test"
    app_id: str = "1234567890"
    total: int = 120
    newest: float = field(default_factory=lambda: float(int(time.time())))
    spacing: float = 3600.0
    with_app_entry: bool = True
    changed_shape: frozenset[int] = frozenset()
    faults: _Faults = field(default_factory=_Faults)

    def review_id(self, index: int, country: str = "us") -> str:
        """Review ids are unique across storefronts: each country gets its own range."""
        return str(11_000_000_000 + (ord(country[0]) * 100 + ord(country[1])) * 10_000 + index)

    def entry(self, index: int, country: str) -> dict[str, Any]:
        entry = copy.deepcopy(APPSTORE_ENTRY)
        when = datetime.fromtimestamp(
            self.newest - (self.total - 1 - index) * self.spacing, timezone(timedelta(hours=-7))
        )
        entry["author"]["name"]["label"] = f"reviewer{index % 41}"
        entry["author"]["uri"]["label"] = f"https://itunes.apple.com/{country}/reviews/id{500000 + index % 41}"
        entry["updated"]["label"] = when.isoformat()
        entry["im:rating"]["label"] = str(1 + index % 5)
        entry["id"]["label"] = self.review_id(index, country)
        entry["title"]["label"] = f"Review {index}"
        entry["content"]["label"] = (
            f"The ACME companion app is {'great' if index % 5 > 2 else 'buggy'} (review {index})."
        )
        entry["link"]["attributes"]["href"] = (
            f"https://itunes.apple.com/{country}/review?id={self.app_id}&type=Purple%20Software"
        )
        entry["im:voteSum"]["label"] = str(index % 3)
        entry["im:voteCount"]["label"] = str(index % 4)
        if index in self.changed_shape:
            entry["im:rating"] = {"value": 5}
        return entry

    def install(self, rsps: responses.RequestsMock) -> None:
        pattern = re.escape(self.base_url) + r"/(\w\w)/rss/customerreviews/page=(\d+)/id=(\d+)/sortby=mostrecent/json"
        rsps.add_callback(responses.GET, re.compile(pattern), callback=self._serve)

    def _serve(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        match = re.search(r"/(\w\w)/rss/customerreviews/page=(\d+)/id=(\d+)/", str(request.url))
        assert match is not None
        country, page, app_id = match.group(1), int(match.group(2)), match.group(3)
        if app_id != self.app_id or not 1 <= page <= 10:
            return 400, {"Content-Type": "text/html"}, "<html>Bad Request</html>"
        start = self.total - 1 - (page - 1) * 50
        entries: list[Any] = [self.entry(i, country) for i in range(start, max(start - 50, -1), -1)]
        if page == 1 and self.with_app_entry and entries:
            entries.insert(0, APPSTORE_APP)
        body = copy.deepcopy(APPSTORE_FEED)
        if len(entries) == 1:
            body["feed"]["entry"] = entries[0]  # Apple sends a lone entry as an object
        elif entries:
            body["feed"]["entry"] = entries
        else:
            del body["feed"]["entry"]
        ok = (200, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(body))
        fault = self.faults.take()
        if fault == "changed_shape":
            return 200, ok[1], json.dumps({"reviews": []})
        return _fault_response(fault, ok) if fault else ok  # type: ignore[return-value]


@dataclass
class FakeGooglePlay:
    """Google Play's reviews rpc (``oCPfdb``) for one app, newest first, paginated by token."""

    app_id: str = "com.acme.companion"
    total: int = 250
    newest: float = field(default_factory=lambda: float(int(time.time())))
    spacing: float = 1800.0
    changed_shape: frozenset[int] = frozenset()
    faults: _Faults = field(default_factory=_Faults)
    requests_seen: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = "https://play.google.com"
    #: Review texts by index, replacing the generated English ones.
    texts: dict[int, str] = field(default_factory=dict)

    def review_id(self, index: int) -> str:
        return f"gp:AOqpTO{index:08d}"

    def review(self, index: int) -> list[Any]:
        raw = copy.deepcopy(PLAY_REVIEW)
        stamp = int(self.newest - (self.total - 1 - index) * self.spacing)
        raw[0] = self.review_id(index)
        raw[1][0] = f"Play User {index % 37}"
        raw[1][1][3][2] = f"https://play-lh.googleusercontent.com/a-/user{index % 37}"
        raw[2] = 1 + index % 5
        raw[4] = self.texts.get(index, f"Works {'fine' if index % 5 > 1 else 'badly'} on my phone (review {index}).")
        raw[5] = [stamp, 120000000]
        raw[6] = index % 9
        if index % 6 == 0:
            raw[7] = [None, "Thanks for the feedback! – ACME team", [stamp + 3600, 0]]
        if index in self.changed_shape:
            raw[2] = "five stars"
        return raw

    def install(self, rsps: responses.RequestsMock) -> None:
        rsps.add_callback(responses.POST, play_url(self.base_url), callback=self._serve)

    def _serve(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
        outer = json.loads(parse_qs(body)["f.req"][0])
        inner = json.loads(outer[0][0][1])
        paging, app_id = inner[1][2], inner[2][0]
        count = int(paging[0])
        token = paging[2] if len(paging) > 2 else None
        self.requests_seen.append({"app_id": app_id, "count": count, "token": token})
        if app_id != self.app_id:
            envelope = [["wrb.fr", "oCPfdb", None, None, None, [5], "generic"], ["di", 31], ["af.httprm", 31, "-1", 7]]
            return 200, {"Content-Type": "application/json; charset=utf-8"}, ")]}'\n\n" + json.dumps(envelope)
        start = self.total - 1 if token is None else int(token.removeprefix("tok-"))
        indices = [i for i in range(start, start - count, -1) if i >= 0]
        nxt = start - count
        results: list[Any] = [[self.review(i) for i in indices], [None, f"tok-{nxt}"] if nxt >= 0 else None]
        envelope = [
            ["wrb.fr", "oCPfdb", json.dumps(results), None, None, None, "generic"],
            ["di", 45],
            ["af.httprm", 44, "-6180", 12],
        ]
        ok = (200, {"Content-Type": "application/json; charset=utf-8"}, ")]}'\n\n" + json.dumps(envelope))
        fault = self.faults.take()
        if fault == "changed_shape":
            return (
                200,
                ok[1],
                ")]}'\n\n"
                + json.dumps([["wrb.fr", "oCPfdb", json.dumps({"reviews": []}), None, None, None, "generic"]]),
            )
        return _fault_response(fault, ok) if fault else ok  # type: ignore[return-value]
